// One chunk of stale links: links from objects of the environment not seen since $since.
// Only relationships that are links (they carry link_type) are touched, never CONTAINS.
MATCH (s:Object)-[r]->()
WHERE s.environment = $environment AND s.id IS NOT NULL
  AND r.link_type IS NOT NULL AND r.last_seen < $since
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS deleted
