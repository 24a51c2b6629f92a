// Topology schema: constraints and indexes, applied at start-up (idempotent).
// Statements are separated by semicolons; comments start with //.

// Identity of an inventory object: its Calipso id, unique per environment.
CREATE CONSTRAINT object_identity IF NOT EXISTS
FOR (n:Object) REQUIRE (n.environment, n.id) IS UNIQUE;

CREATE CONSTRAINT environment_name IF NOT EXISTS
FOR (e:Environment) REQUIRE e.name IS UNIQUE;

CREATE CONSTRAINT clique_type_id IF NOT EXISTS
FOR (c:CliqueType) REQUIRE c.id IS UNIQUE;

CREATE CONSTRAINT clique_constraint_id IF NOT EXISTS
FOR (c:CliqueConstraint) REQUIRE c.id IS UNIQUE;

// What queries filter on: objects of a type, a subtree by id_path, search by name,
// stale cleanup by last_seen, status overviews.
CREATE INDEX object_environment IF NOT EXISTS FOR (n:Object) ON (n.environment);
CREATE INDEX object_type IF NOT EXISTS FOR (n:Object) ON (n.environment, n.type);
CREATE INDEX object_id_path IF NOT EXISTS FOR (n:Object) ON (n.environment, n.id_path);
CREATE INDEX object_last_seen IF NOT EXISTS FOR (n:Object) ON (n.environment, n.last_seen);
CREATE INDEX object_status IF NOT EXISTS FOR (n:Object) ON (n.environment, n.status);
CREATE INDEX object_name IF NOT EXISTS FOR (n:Object) ON (n.name);
CREATE INDEX object_id IF NOT EXISTS FOR (n:Object) ON (n.id);
CREATE INDEX clique_type_focal_point IF NOT EXISTS FOR (c:CliqueType) ON (c.focal_point_type);
