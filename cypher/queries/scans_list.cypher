// Scans, newest first: of one environment ($environment) or of all (null), limited to
// the environments the caller may view ($names, null = all).
MATCH (s:Scan)
WHERE ($environment IS NULL OR s.environment = $environment)
  AND ($names IS NULL OR s.environment IN $names)
RETURN properties(s) AS scan
ORDER BY s.requested_at DESC
LIMIT $limit
