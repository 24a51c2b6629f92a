// Remove the implicit links between these (source, target) pairs: derived no longer. A
// discovered link between the same pair is never touched.
UNWIND $pairs AS pair
MATCH (s:Object {environment: $environment, id: pair.source_id})-[r]->
      (t:Object {environment: $environment, id: pair.target_id})
WHERE r.link_type IS NOT NULL AND r.implicit = true
DELETE r
RETURN count(*) AS deleted
