// Upsert and delete objects one row after the other, each row seeing what the rows before
// it wrote: a change set's objects, or a listener's whole batch of them, where one object
// may be written several times (a stop's .start and .end, its legacy and versioned
// copies), by writers of different provenance, deleted, and made again. Each row runs in
// one CALL subquery of its own, in order, its upsert and delete branches inside it (two
// CALL clauses side by side would each run for every row before the next starts): a
// single pass over the rows would let two writes of one object both pass the freshness
// test before either is done, the last winning even when it is the older.
// A row's time is row.source_time, else $source_time; its writer row.provenance, else
// $provenance.
//
// An upsert row (row.delete null) follows upsert_objects' rules (read its comments):
// tombstones turn away older rows, an older row changes nothing ("outdated") but counts
// as seen for its own writer, a type change replaces the type labels, an object is hung
// under its parent unless it already is.
//
// A delete row (row.delete true) deletes the object with every descendant (by CONTAINS
// and by id_path prefix, the object_subtree_path index) and all their links. With a time, it applies only if it is at
// least as new as the object's last write (else "outdated"), and every deleted object,
// and the named one even when it is not in the graph (its delete may arrive before its
// create), leaves a tombstone that turns away older writes until it expires ($ttl
// seconds). Without a time there is no tombstone.
//
// Answers one entry per row, in order: an upsert's element id, whether it was fresh,
// left an orphan (parent not in the graph) or created its object (only if
// $report_created), or nothing when a tombstone turned it away; a delete's deleted ids,
// and whether it was outdated.
UNWIND $rows AS row
CALL (row) {
  CALL (row) {
    WITH row, coalesce(row.source_time, $source_time) AS time,
         coalesce(row.provenance, $provenance) AS provenance
    WHERE row.delete IS NULL AND (time IS NULL OR NOT EXISTS {
      MATCH (b:Tombstone {environment: $environment, id: row.id})
      WHERE b.deleted_at >= time AND b.expires_at > datetime.transaction()
    })
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
    RETURN collect({element_id: elementId(n), fresh: fresh, orphan: move AND p IS NULL,
                    created: $report_created AND n.first_seen = datetime.transaction()})
           AS upserted
  }
  CALL (row) {
    WITH row, coalesce(row.source_time, $source_time) AS time
    WHERE row.delete
    OPTIONAL MATCH (root:Object {environment: $environment, id: row.id})
      USING INDEX root:Object(environment, id)
    WITH row, time, root,
         root IS NULL OR time IS NULL OR root.source_time IS NULL
           OR root.source_time <= time AS applies
    CALL (root, applies) {
      OPTIONAL MATCH (root)-[:CONTAINS*]->(d:Object) WHERE applies
      RETURN collect(DISTINCT d) AS by_tree
    }
    CALL (root, applies) {
      OPTIONAL MATCH (d:Object)
        USING INDEX d:Object(id_path)
      WHERE applies AND root.id_path IS NOT NULL
        AND d.id_path STARTS WITH root.id_path + '/' AND d.environment = $environment
      RETURN collect(DISTINCT d) AS by_path
    }
    CALL (row, time, applies) {
      WITH row, time WHERE applies AND time IS NOT NULL
      MERGE (b:Tombstone {environment: $environment, id: row.id})
      SET b.deleted_at = CASE WHEN b.deleted_at > time THEN b.deleted_at ELSE time END,
          b.expires_at = datetime.transaction() + duration({seconds: $ttl})
    }
    CALL (root, applies, by_tree, by_path, time) {
      UNWIND CASE WHEN applies AND root IS NOT NULL THEN by_tree + by_path + [root]
                  ELSE [] END AS doomed
      WITH DISTINCT doomed, time
      CALL (doomed, time) {
        WITH doomed, time WHERE time IS NOT NULL
        MERGE (b:Tombstone {environment: $environment, id: doomed.id})
        SET b.deleted_at = CASE WHEN b.deleted_at > time THEN b.deleted_at ELSE time END,
            b.expires_at = datetime.transaction() + duration({seconds: $ttl})
      }
      WITH doomed, doomed.id AS id
      DETACH DELETE doomed
      RETURN collect(id) AS deleted
    }
    RETURN collect({deleted: deleted, outdated: root IS NOT NULL AND NOT applies})
           AS removed
  }
  RETURN upserted, removed
}
RETURN collect({upserted: upserted, removed: removed}) AS rows
