// The scan manager takes the oldest pending scan. The lock property is set first, so that
// a second manager's transaction waits for this one and then sees the scan taken (its
// status is read again once the lock is held); the property is removed before commit.
// A scan with not_before (an event's targeted scan) waits until then.
MATCH (s:Scan {status: 'pending'})
WHERE s.not_before IS NULL OR s.not_before <= datetime.transaction()
WITH s ORDER BY s.requested_at LIMIT 1
SET s.claim_lock = $runner
WITH s WHERE s.status = 'pending'
SET s.status = 'running', s.started_at = datetime.transaction(),
    s.heartbeat_at = datetime.transaction(), s.runner = $runner
REMOVE s.claim_lock
RETURN properties(s) AS scan
