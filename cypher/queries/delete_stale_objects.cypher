// One chunk of stale objects: objects of the environment written last by one of $scopes
// (provenance) and not seen since $since (the scan's start), each with its descendants
// (whatever wrote them: their parent is gone) and all their links. Each deleted object
// leaves a tombstone at $since, so that a late write older than the scan cannot bring it
// back. Anything written at or after $since has last_seen >= $since and stays. $under (an
// id_path, or null) limits it to that subtree (a scan of one object).
MATCH (n:Object)
WHERE n.environment = $environment AND n.id IS NOT NULL
  AND n.provenance IN $scopes AND n.last_seen < $since
  AND ($under IS NULL OR n.id_path = $under OR n.id_path STARTS WITH $under + '/')
WITH n LIMIT $limit
WITH collect(n) AS stale
CALL (stale) {
  UNWIND stale AS n
  OPTIONAL MATCH (n)-[:CONTAINS*]->(d:Object)
  RETURN collect(DISTINCT d) AS descendants
}
UNWIND stale + descendants AS doomed
WITH DISTINCT stale, doomed
// a node another writer (an event) deleted meanwhile reads as without properties: gone
WHERE doomed.id IS NOT NULL
MERGE (b:Tombstone {environment: $environment, id: doomed.id})
SET b.deleted_at = CASE WHEN b.deleted_at > $since THEN b.deleted_at ELSE $since END,
    b.expires_at = datetime.transaction() + duration({seconds: $ttl})
DETACH DELETE doomed
RETURN size(stale) AS stale, count(*) AS deleted
