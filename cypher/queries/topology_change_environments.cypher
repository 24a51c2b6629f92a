// The environments the topology journal holds entries of (for its purge).
MATCH (c:TopologyChange)
WHERE c.environment IS NOT NULL
RETURN DISTINCT c.environment AS environment
