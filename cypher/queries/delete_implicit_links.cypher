// Remove an environment's derived (implicit) links before deriving them afresh.
MATCH (s:Object)-[r]->()
WHERE s.environment = $environment AND s.id IS NOT NULL
  AND r.link_type IS NOT NULL AND r.implicit = true
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS deleted
