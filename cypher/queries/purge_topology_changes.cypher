// One chunk of an environment's expired topology journal entries: those recorded more
// than $ttl seconds ago, and those beyond the newest $keep (both read on the
// (environment, recorded_at) index).
CALL () {
  MATCH (c:TopologyChange)
  WHERE c.environment = $environment
    AND c.recorded_at < datetime.transaction() - duration({seconds: $ttl})
  WITH c LIMIT $limit
  DELETE c
  RETURN count(*) AS aged
}
CALL () {
  MATCH (c:TopologyChange)
  WHERE c.environment = $environment AND c.recorded_at IS NOT NULL
  WITH c ORDER BY c.recorded_at DESC SKIP $keep LIMIT $limit
  DELETE c
  RETURN count(*) AS surplus
}
RETURN aged + surplus AS deleted
