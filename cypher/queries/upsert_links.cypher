// Upsert one batch of links of a single link type, stored source -> target.
// __SOURCE_LABEL__, __TARGET_LABEL__ and __REL_TYPE__ come from the type catalogue.
// At most one link joins an ordered pair of objects: a link of another type between the
// same two objects is replaced (Calipso's upsert key is environment, source, target).
UNWIND $rows AS row
MATCH (s:Object {environment: $environment, id: row.source_id})
WHERE s:__SOURCE_LABEL__
MATCH (t:Object {environment: $environment, id: row.target_id})
WHERE t:__TARGET_LABEL__
CALL (s, t) {
  MATCH (s)-[old]->(t)
  WHERE old.link_type IS NOT NULL AND type(old) <> $relationship_type
  DELETE old
}
MERGE (s)-[r:__REL_TYPE__]->(t)
  ON CREATE SET r.first_seen = datetime.transaction()
SET r += row.props,
    r.environment = $environment,
    r.link_type = $link_type,
    r.last_seen = datetime.transaction()
RETURN collect(row.i) AS written
