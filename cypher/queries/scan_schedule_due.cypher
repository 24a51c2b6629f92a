// Schedules that are due become pending scans, and move on by whole intervals past now
// (a manager that was down for a day queues one scan, not 24). The lock property makes a
// second manager wait and then find the schedule no longer due.
MATCH (d:ScanSchedule)
WHERE d.next_at <= datetime.transaction()
SET d.claim_lock = $runner
WITH d WHERE d.next_at <= datetime.transaction()
WITH d, duration({seconds: d.interval_seconds}) AS interval,
     toInteger(duration.inSeconds(d.next_at, datetime.transaction()).seconds
               / d.interval_seconds) + 1 AS steps
SET d.next_at = d.next_at + duration({seconds: d.interval_seconds * steps}),
    d.last_queued_at = datetime.transaction()
REMOVE d.claim_lock
CREATE (s:Scan {id: randomUUID(), environment: d.environment, kind: d.kind,
                status: 'pending', requested_by: 'schedule', schedule: d.frequency,
                requested_at: datetime.transaction()})
RETURN properties(s) AS scan
