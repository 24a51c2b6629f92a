// Links of each of some objects of one environment, in both directions, stored
// source -> target, ordered by (source id, target id) (no row for an object without any).
// One query for a page of objects.
UNWIND $ids AS id
MATCH (n:Object {environment: $environment, id: id})-[r]-(:Object)
  USING INDEX n:Object(environment, id)
WHERE r.link_type IS NOT NULL
WITH id, r {.*, source_id: startNode(r).id, target_id: endNode(r).id} AS link
ORDER BY link.source_id, link.target_id
RETURN id, collect(link) AS links
