// The status history of some objects or links of one environment, by history key (an
// object's id, a link's "<source id> -> <target id>"): at most $limit changes per key,
// newest first.
UNWIND $ids AS key
CALL (key) {
  MATCH (c:StatusChange {environment: $environment, key: key})
  WITH c ORDER BY c.at DESC, c.recorded_at DESC LIMIT $limit
  RETURN collect(properties(c)) AS changes
}
RETURN key AS id, changes
