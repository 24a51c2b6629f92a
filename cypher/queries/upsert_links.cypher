// Upsert one batch of links of a single link type, stored source -> target.
// __SOURCE_LABEL__, __TARGET_LABEL__ and __REL_TYPE__ come from the type catalogue.
// The ends are found by element id (row.s, row.t: a direct lookup, no index search),
// checked against their environment and id, since Neo4j may reuse the element id of a
// deleted node; a row whose ends are not found comes back unwritten (the store looks its
// element ids up afresh and tries once more).
// At most one link joins an ordered pair of objects (Calipso's upsert key is environment,
// source, target): the catalogue gives each (source type, target type) one link type, so
// MERGE on that type is the whole upsert.
// Ordering as for objects (upsert_objects.cypher): a row no newer than a live tombstone
// of the link is dropped; a row older than the link's source time changes nothing.
UNWIND $rows AS row
MATCH (s:__SOURCE_LABEL__)
WHERE elementId(s) = row.s AND s.environment = $environment AND s.id = row.source_id
MATCH (t:__TARGET_LABEL__)
WHERE elementId(t) = row.t AND t.environment = $environment AND t.id = row.target_id
WITH s, t, row
WHERE row.source_time IS NULL OR NOT EXISTS {
  MATCH (b:LinkTombstone {environment: $environment, source_id: row.source_id,
                          target_id: row.target_id})
  WHERE b.deleted_at >= row.source_time AND b.expires_at > datetime.transaction()
}
MERGE (s)-[r:__REL_TYPE__]->(t)
  ON CREATE SET r.first_seen = datetime.transaction()
WITH r, row,
     CASE WHEN row.source_time IS NULL THEN true
          WHEN r.source_time IS NULL THEN true
          ELSE row.source_time >= r.source_time END AS fresh
SET r += CASE WHEN fresh THEN row.props ELSE {} END,
    r.environment = $environment,
    r.link_type = $link_type,
    r.last_seen = CASE WHEN fresh THEN datetime.transaction()
                  WHEN r.provenance = $provenance THEN datetime.transaction()
                  ELSE r.last_seen END,
    r.source_time = CASE WHEN fresh AND row.source_time IS NOT NULL THEN row.source_time
                    ELSE r.source_time END,
    r.provenance = CASE WHEN fresh AND $provenance IS NOT NULL THEN $provenance
                   ELSE r.provenance END
RETURN collect(row.i) AS written,
       collect(CASE WHEN r.first_seen = datetime.transaction() THEN row.i END) AS created,
       collect(CASE WHEN NOT fresh THEN row.i END) AS outdated
