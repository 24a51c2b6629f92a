// Record a scan: requested (pending, for the scan manager) or starting now (running).
CREATE (s:Scan {id: $id, environment: $environment, kind: $kind, object_id: $object_id,
                status: $status, requested_by: $requested_by, schedule: $schedule,
                requested_at: datetime.transaction()})
SET s.started_at = CASE WHEN $status = 'running' THEN datetime.transaction() END,
    s.heartbeat_at = CASE WHEN $status = 'running' THEN datetime.transaction() END,
    s.runner = CASE WHEN $status = 'running' THEN $runner END
RETURN properties(s) AS scan
