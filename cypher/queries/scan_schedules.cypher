MATCH (s:ScanSchedule)
WHERE $environment IS NULL OR s.environment = $environment
RETURN properties(s) AS schedule
ORDER BY s.environment, s.kind
