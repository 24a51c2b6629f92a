// A running scan says it is alive, and where it is.
MATCH (s:Scan {id: $id})
WHERE s.status = 'running'
SET s.heartbeat_at = datetime.transaction(), s.phase = $phase
RETURN s.id AS id
