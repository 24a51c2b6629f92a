// The instance the clique example of Neo4j Browser shows (cypher/examples/): the first by
// name of an environment.
MATCH (f:Instance)
WHERE f.environment = $environment AND f.id IS NOT NULL
RETURN f.id AS id, f.name AS name
ORDER BY f.name, f.id
LIMIT 1
