// Topology schema: constraints and indexes, applied at start-up (idempotent).
// Statements are separated by semicolons; comments start with //.

// Identity of an inventory object: its Calipso id, unique per environment.
CREATE CONSTRAINT object_identity IF NOT EXISTS
FOR (n:Object) REQUIRE (n.environment, n.id) IS UNIQUE;

CREATE CONSTRAINT environment_name IF NOT EXISTS
FOR (e:Environment) REQUIRE e.name IS UNIQUE;

// Tombstones: what a delete (or a scan's cleanup) removed, and when, so that an older
// write arriving late cannot bring it back; each expires (expires_at) and is purged.
CREATE CONSTRAINT tombstone_identity IF NOT EXISTS
FOR (b:Tombstone) REQUIRE (b.environment, b.id) IS UNIQUE;

CREATE CONSTRAINT link_tombstone_identity IF NOT EXISTS
FOR (b:LinkTombstone) REQUIRE (b.environment, b.source_id, b.target_id) IS UNIQUE;

CREATE INDEX tombstone_expiry IF NOT EXISTS FOR (b:Tombstone) ON (b.expires_at);

CREATE INDEX link_tombstone_expiry IF NOT EXISTS FOR (b:LinkTombstone) ON (b.expires_at);

// Status changes (from check results): the history of each object and link (by key) and
// the feed live subscriptions read (by the time they were recorded).
CREATE INDEX status_change_key IF NOT EXISTS FOR (c:StatusChange) ON (c.environment, c.key);

CREATE INDEX status_change_recorded IF NOT EXISTS
FOR (c:StatusChange) ON (c.environment, c.recorded_at);

// The topology journal (what each write did to objects and links): the feed the
// topologyChanged subscription reads, and its purge, by environment and time.
CREATE INDEX topology_change_recorded IF NOT EXISTS
FOR (c:TopologyChange) ON (c.environment, c.recorded_at);

CREATE CONSTRAINT clique_type_id IF NOT EXISTS
FOR (c:CliqueType) REQUIRE c.id IS UNIQUE;

CREATE CONSTRAINT clique_constraint_id IF NOT EXISTS
FOR (c:CliqueConstraint) REQUIRE c.id IS UNIQUE;

// Objects have one index besides the identity constraint's (environment, id) and the
// per-label event lookup indexes: object_subtree_path, below. Queries over a whole
// environment seek the identity index with `n.environment = $e AND n.id IS NOT NULL`
// (every object has an id), so they need no index of their own; stale cleanup and the
// API's optional filters test their properties on that range. Why:
// - every index is one more insert per object written (and last_seen's a delete and an
//   insert per object rescanned);
// - an index on environment alone lets the planner, on an empty database (a first import,
//   or after a wipe), find parents and link ends by scanning every object of the
//   environment instead of seeking them, for as long as that plan stays cached.
// Indexes earlier versions created: removed from existing databases.
DROP INDEX object_environment IF EXISTS;
DROP INDEX object_id_path IF EXISTS;
DROP INDEX object_last_seen IF EXISTS;
DROP INDEX object_type IF EXISTS;
DROP INDEX object_status IF EXISTS;
DROP INDEX object_name IF EXISTS;
DROP INDEX object_id IF EXISTS;

// Subtrees by path: a subtree delete also takes the objects whose id_path lies under the
// deleted one's (orphans, not hung under their parent by CONTAINS). Without an index that
// reads every object of the environment, per delete: 0.2 s at 100,000 objects. id_path is
// set when an object is made and rarely changes, so the index costs one insert per object
// made. Only prefix searches (STARTS WITH) use it.
CREATE INDEX object_subtree_path IF NOT EXISTS FOR (n:Object) ON (n.id_path);

// The event lookup indexes: the listener's handlers find objects by something other than
// their id (topology/events/lookup.py, FIND_KEYS: a vNIC by MAC, a router's ports by
// device id, a network's hosts...), one batch after another, in databases that hold other
// environments too. Each index covers one label only, so it costs one insert per object
// of that label written, and none for the rest.
CREATE INDEX event_vnic_mac IF NOT EXISTS FOR (n:Vnic) ON (n.environment, n.mac_address);
CREATE INDEX event_port_device IF NOT EXISTS FOR (n:Port) ON (n.environment, n.device_id);
CREATE INDEX event_vservice_service IF NOT EXISTS
FOR (n:Vservice) ON (n.environment, n.local_service_id);
CREATE INDEX event_instance_project IF NOT EXISTS
FOR (n:Instance) ON (n.environment, n.project_id);
CREATE INDEX event_server_group_project IF NOT EXISTS
FOR (n:ServerGroup) ON (n.environment, n.project_id);
CREATE INDEX event_network_environment IF NOT EXISTS FOR (n:Network) ON (n.environment);
CREATE INDEX event_host_environment IF NOT EXISTS FOR (n:Host) ON (n.environment);
CREATE INDEX event_region_environment IF NOT EXISTS FOR (n:Region) ON (n.environment);

CREATE INDEX clique_type_focal_point IF NOT EXISTS FOR (c:CliqueType) ON (c.focal_point_type);

// Scans: one :Scan node per scan (requested, scheduled or run by hand), found by id, by
// environment (newest first) and by status (the scan manager takes the oldest pending).
CREATE CONSTRAINT scan_id IF NOT EXISTS FOR (s:Scan) REQUIRE s.id IS UNIQUE;

CREATE INDEX scan_environment IF NOT EXISTS FOR (s:Scan) ON (s.environment, s.requested_at);

CREATE INDEX scan_status IF NOT EXISTS FOR (s:Scan) ON (s.status, s.requested_at);

// Listeners: one :Listener node per environment, its figures (topology listen).
CREATE CONSTRAINT listener_environment IF NOT EXISTS
FOR (l:Listener) REQUIRE l.environment IS UNIQUE;

// Scheduled scans: at most one schedule per environment and kind of scan.
CREATE CONSTRAINT scan_schedule_identity IF NOT EXISTS
FOR (s:ScanSchedule) REQUIRE (s.environment, s.kind) IS UNIQUE;
