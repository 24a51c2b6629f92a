// Links of one object, in both directions, stored source -> target.
MATCH (n:Object {environment: $environment, id: $id})-[r]-(o:Object)
WHERE r.link_type IS NOT NULL
RETURN r {.*, source_id: startNode(r).id, target_id: endNode(r).id} AS link
ORDER BY link.source_id, link.target_id
