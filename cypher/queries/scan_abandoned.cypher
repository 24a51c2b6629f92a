// Scans left running by a process that stopped (no heartbeat for $stale_seconds) become
// failed; their environments are no longer "scanned".
MATCH (s:Scan {status: 'running'})
WHERE s.heartbeat_at IS NULL
   OR s.heartbeat_at < datetime.transaction() - duration({seconds: $stale_seconds})
SET s.status = 'failed', s.ended_at = datetime.transaction(),
    s.errors = coalesce(s.errors, []) + [$reason]
WITH s
OPTIONAL MATCH (e:Environment {name: s.environment})
SET e.scanned = CASE WHEN e IS NULL THEN null ELSE false END
RETURN s.id AS id, s.environment AS environment
