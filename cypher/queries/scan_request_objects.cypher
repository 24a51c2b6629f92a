// Queue scans of single objects (an event's targeted scans): one pending scan per
// (environment, object); an object that already has one pending gets no second. Each waits
// $settle seconds (not_before) before a manager takes it: the agents that act on the
// change (an L3 agent plugging a router's interface) get the time to finish.
// Answers the ids of the scans queued now.
UNWIND $object_ids AS object_id
OPTIONAL MATCH (p:Scan {environment: $environment, status: 'pending'})
  WHERE p.kind = 'object' AND p.object_id = object_id
WITH object_id, count(p) AS pending
WHERE pending = 0
CREATE (s:Scan {id: randomUUID(), environment: $environment, kind: 'object',
                object_id: object_id, status: 'pending', requested_by: $requested_by,
                requested_at: datetime.transaction(),
                not_before: datetime.transaction() + duration({milliseconds: $settle_ms})})
RETURN collect(s.id) AS queued
