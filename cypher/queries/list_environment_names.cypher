MATCH (e:Environment)
RETURN e.name AS name
ORDER BY name
