MATCH (s:ScanSchedule {environment: $environment, kind: $kind})
DELETE s
RETURN count(*) AS deleted
