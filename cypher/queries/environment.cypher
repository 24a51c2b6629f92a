// An environment's metadata (no secrets are ever stored there).
MATCH (e:Environment {name: $environment})
RETURN properties(e) AS props
