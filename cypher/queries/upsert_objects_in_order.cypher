// Upsert objects one row after the other, each row seeing what the rows before it wrote:
// a change set's objects, or a listener's whole batch of them, where one object may be
// written several times (a stop's .start and .end, its legacy and versioned copies), by
// writers of different provenance. The rules are those of upsert_objects (read its
// comments): tombstones turn away older rows, an older row changes nothing ("outdated")
// but counts as seen for its own provenance, a type change replaces the type labels, an
// object is hung under its parent unless it already is. Here each row may carry its own
// provenance (row.provenance, else $provenance) and its own time (row.source_time, else
// $source_time), and the rows run in a CALL subquery each, in their order: the bulk
// query's single pass would let two rows of one object both pass the freshness test
// before either writes, and the last row win even when it is the older.
// Answers by row (row.i): the rows that passed the tombstones (written), those older than
// the object (outdated), those that created their object (only if $report_created);
// element ids and orphans by object id.
UNWIND $rows AS row
CALL (row) {
  WITH row, coalesce(row.source_time, $source_time) AS time,
       coalesce(row.provenance, $provenance) AS provenance
  WHERE time IS NULL OR NOT EXISTS {
    MATCH (b:Tombstone {environment: $environment, id: row.id})
    WHERE b.deleted_at >= time AND b.expires_at > datetime.transaction()
  }
  MERGE (n:Object {environment: $environment, id: row.id})
    ON CREATE SET n.first_seen = datetime.transaction()
  WITH n, row, time, provenance, row.props AS props,
       CASE WHEN time > datetime.transaction() THEN time
            ELSE datetime.transaction() END AS seen,
       CASE WHEN time IS NULL THEN true
            WHEN n.source_time IS NULL THEN true
            ELSE time >= n.source_time END AS fresh
  CALL (n, row, fresh) {
    WITH n, row WHERE fresh AND n.type <> row.props.type
    REMOVE n:$([label IN labels(n) WHERE label <> 'Object' AND NOT label IN row.labels])
  }
  SET n += CASE WHEN NOT fresh THEN {}
                WHEN time IS NULL AND provenance IS NULL THEN props
                WHEN time IS NULL THEN props {.*, provenance: provenance}
                WHEN provenance IS NULL THEN props {.*, source_time: time}
                ELSE props {.*, provenance: provenance, source_time: time} END,
      n.environment = $environment,
      n.last_seen = CASE WHEN fresh THEN seen
                    WHEN n.provenance = provenance THEN seen
                    ELSE n.last_seen END
  SET n:$(CASE WHEN fresh THEN row.labels ELSE [] END)
  WITH n, row, fresh,
       fresh AND row.parent_id IS NOT NULL
         AND NOT EXISTS { (n)<-[:CONTAINS]-(q:Object) WHERE q.id = row.parent_id } AS move
  OPTIONAL MATCH (p:Object {environment: $environment,
                            id: CASE WHEN move THEN row.parent_id END})
    USING INDEX p:Object(environment, id)
  CALL (n, p) {
    WITH n, p WHERE p IS NOT NULL
    OPTIONAL MATCH (old)-[c:CONTAINS]->(n) WHERE old <> p
    DELETE c
    MERGE (p)-[:CONTAINS]->(n)
  }
  RETURN n, fresh, move AND p IS NULL AS orphan,
         n.first_seen = datetime.transaction() AS created
}
RETURN collect(row.i) AS written,
       collect(CASE WHEN orphan THEN row.id END) AS orphans,
       collect([row.id, elementId(n)]) AS element_ids,
       collect(CASE WHEN $report_created AND created THEN row.i END) AS created,
       collect(CASE WHEN NOT fresh THEN row.i END) AS outdated
