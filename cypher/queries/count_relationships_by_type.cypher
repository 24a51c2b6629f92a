// How many relationships of each type start at objects of an environment.
MATCH (n:Object {environment: $environment})-[r]->() WHERE n.id IS NOT NULL
RETURN type(r) AS type, count(*) AS count
ORDER BY type
