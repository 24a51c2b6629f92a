// Create or change an environment's scan schedule. A new schedule, or one whose frequency
// changes, is first due one interval from now ($first_at); otherwise it keeps its time.
MERGE (s:ScanSchedule {environment: $environment, kind: $kind})
  ON CREATE SET s.created_at = datetime.transaction()
SET s.next_at = CASE WHEN s.frequency = $frequency THEN s.next_at ELSE $first_at END
SET s.frequency = $frequency, s.interval_seconds = $interval_seconds
RETURN properties(s) AS schedule
