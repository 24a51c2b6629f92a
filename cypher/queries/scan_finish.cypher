// A scan ends: its status, counts and errors ($props holds only scalars and lists).
MATCH (s:Scan {id: $id})
SET s += $props, s.ended_at = datetime.transaction(), s.heartbeat_at = null
RETURN properties(s) AS scan
