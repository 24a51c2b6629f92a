// One chunk of stale links: links of the environment written last by one of $scopes
// (provenance) and not seen since $since (the scan's start). Only relationships that are
// links (they carry link_type) are touched, never CONTAINS. Each leaves a tombstone at
// $since, so that a late write older than the scan cannot bring it back. $under (an
// id_path, or null) limits it to links with an end in that subtree (a scan of one object).
MATCH (s:Object)-[r]->(t:Object)
WHERE s.environment = $environment AND s.id IS NOT NULL
  AND r.link_type IS NOT NULL AND r.provenance IN $scopes AND r.last_seen < $since
  AND ($under IS NULL OR s.id_path = $under OR s.id_path STARTS WITH $under + '/'
       OR t.id_path = $under OR t.id_path STARTS WITH $under + '/')
WITH s, r, t LIMIT $limit
MERGE (b:LinkTombstone {environment: $environment, source_id: s.id, target_id: t.id})
SET b.deleted_at = CASE WHEN b.deleted_at > $since THEN b.deleted_at ELSE $since END,
    b.expires_at = datetime.transaction() + duration({seconds: $ttl})
DELETE r
RETURN count(*) AS deleted
