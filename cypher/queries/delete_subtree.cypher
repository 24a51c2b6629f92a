// Delete an object, every descendant (by CONTAINS and by id_path prefix) and all their links.
MATCH (root:Object {environment: $environment, id: $id})
CALL (root) {
  OPTIONAL MATCH (root)-[:CONTAINS*]->(d:Object)
  RETURN collect(DISTINCT d) AS by_tree
}
CALL (root) {
  OPTIONAL MATCH (d:Object)
  WHERE d.environment = $environment AND d.id IS NOT NULL AND root.id_path IS NOT NULL
    AND d.id_path STARTS WITH root.id_path + '/'
  RETURN collect(DISTINCT d) AS by_path
}
UNWIND by_tree + by_path + [root] AS doomed
WITH DISTINCT doomed
DETACH DELETE doomed
RETURN count(*) AS deleted
