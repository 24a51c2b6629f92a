// The topology journal (topology/store/journal.py): one entry for what a write did to an
// environment's objects and links, stamped with its transaction's start, written in the
// same transaction as the change (a rollback leaves none). $entry: source, the lists of
// object ids (objects_added, objects_changed, objects_removed), the lists of links as
// JSON (links_added, links_changed, links_removed: [[source, target, link type], ...]),
// truncated, and, for a scan or an import, counts (JSON).
CREATE (c:TopologyChange {environment: $environment, recorded_at: datetime.transaction()})
SET c += $entry
