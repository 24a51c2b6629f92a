// The feed of the topologyChanged subscription: journal entries of an environment
// recorded (recorded_at: when their transaction started) at or after $start, oldest
// first, without those delivered already ($seen holds their seen_key: element id and
// stamp, since Neo4j may reuse the element id of a deleted node).
MATCH (c:TopologyChange)
WHERE c.environment = $environment AND c.recorded_at >= $start
WITH c, elementId(c) + '@' + toString(c.recorded_at) AS seen_key
WHERE NOT seen_key IN $seen
RETURN seen_key, properties(c) AS props
ORDER BY c.recorded_at
LIMIT $limit
