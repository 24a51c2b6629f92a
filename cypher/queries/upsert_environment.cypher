// Create or update an environment's non-secret metadata.
MERGE (e:Environment {name: $environment})
  ON CREATE SET e.first_seen = datetime.transaction()
SET e += $props, e.last_seen = datetime.transaction()
RETURN e.name AS name
