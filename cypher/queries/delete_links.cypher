// Delete links between given ordered pairs of objects (whatever their link type).
UNWIND $rows AS row
MATCH (s:Object {environment: $environment, id: row.source_id})
      -[r]->(t:Object {environment: $environment, id: row.target_id})
WHERE r.link_type IS NOT NULL
DELETE r
RETURN count(r) AS deleted
