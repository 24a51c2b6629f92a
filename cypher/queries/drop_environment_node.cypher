// The :Environment node of an environment whose objects are gone.
MATCH (e:Environment {name: $environment})
DETACH DELETE e
RETURN count(*) AS deleted
