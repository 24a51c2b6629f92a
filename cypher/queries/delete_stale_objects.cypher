// One chunk of stale objects: objects of the environment not seen since $since,
// with their links. Anything written at or after $since has last_seen >= $since.
MATCH (n:Object)
WHERE n.environment = $environment AND n.id IS NOT NULL AND n.last_seen < $since
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
