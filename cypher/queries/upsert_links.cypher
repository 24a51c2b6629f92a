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
// Answers as for objects: the rows written, those created (only if $report_created) and
// those outdated.
UNWIND $rows AS row
MATCH (s:__SOURCE_LABEL__)
WHERE elementId(s) = row.s AND s.environment = $environment AND s.id = row.source_id
MATCH (t:__TARGET_LABEL__)
WHERE elementId(t) = row.t AND t.environment = $environment AND t.id = row.target_id
WITH s, t, row, coalesce(row.source_time, $source_time) AS time
WHERE time IS NULL OR NOT EXISTS {
  MATCH (b:LinkTombstone {environment: $environment, source_id: row.source_id,
                          target_id: row.target_id})
  WHERE b.deleted_at >= time AND b.expires_at > datetime.transaction()
}
MERGE (s)-[r:__REL_TYPE__]->(t)
  ON CREATE SET r.first_seen = datetime.transaction()
WITH r, row, time, row.props AS props,
     CASE WHEN time > datetime.transaction() THEN time
          ELSE datetime.transaction() END AS seen,
     CASE WHEN time IS NULL THEN true
          WHEN r.source_time IS NULL THEN true
          ELSE time >= r.source_time END AS fresh
SET r += CASE WHEN NOT fresh THEN {}
              WHEN time IS NULL AND $provenance IS NULL THEN props
              WHEN time IS NULL THEN props {.*, provenance: $provenance}
              WHEN $provenance IS NULL THEN props {.*, source_time: time}
              ELSE props {.*, provenance: $provenance, source_time: time} END,
    r.environment = $environment,
    r.link_type = $link_type,
    r.last_seen = CASE WHEN fresh THEN seen
                  WHEN r.provenance = $provenance THEN seen
                  ELSE r.last_seen END
RETURN collect(row.i) AS written,
       collect(CASE WHEN NOT $report_created THEN null
                    WHEN r.first_seen = datetime.transaction() THEN row.i END) AS created,
       collect(CASE WHEN NOT fresh THEN row.i END) AS outdated
