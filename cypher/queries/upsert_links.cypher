// Upsert one batch of links of a single link type, stored source -> target.
// __SOURCE_LABEL__, __TARGET_LABEL__ and __REL_TYPE__ come from the type catalogue.
// The ends are found by element id (row.s, row.t: a direct lookup, no index search),
// checked against their environment and id, since Neo4j may reuse the element id of a
// deleted node; a row whose ends are not found comes back unwritten (the store looks its
// element ids up afresh and tries once more).
// At most one link joins an ordered pair of objects (Calipso's upsert key is environment,
// source, target): the catalogue gives each (source type, target type) one link type, so
// MERGE on that type is the whole upsert. (An earlier version also deleted links of other
// types between the pair in a subquery; with stale counts, after a wipe, the planner made
// that a scan of every relationship in the database for each row.)
UNWIND $rows AS row
MATCH (s:__SOURCE_LABEL__)
WHERE elementId(s) = row.s AND s.environment = $environment AND s.id = row.source_id
MATCH (t:__TARGET_LABEL__)
WHERE elementId(t) = row.t AND t.environment = $environment AND t.id = row.target_id
MERGE (s)-[r:__REL_TYPE__]->(t)
  ON CREATE SET r.first_seen = datetime.transaction()
SET r += row.props,
    r.environment = $environment,
    r.link_type = $link_type,
    r.last_seen = datetime.transaction()
RETURN collect(row.i) AS written
