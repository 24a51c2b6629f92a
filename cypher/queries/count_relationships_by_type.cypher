// How many relationships of each type start at objects of an environment.
MATCH (:Object {environment: $environment})-[r]->()
RETURN type(r) AS type, count(*) AS count
ORDER BY type
