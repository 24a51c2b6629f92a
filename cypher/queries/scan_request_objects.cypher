// Queue scans of single objects (an event's targeted scans): one pending scan per
// (environment, object). Each waits $settle_ms (not_before) before a manager takes it, so
// that the agents acting on the change (an L3 agent plugging a router's interface) have
// finished. A request for an object that has a pending scan pushes that scan's wait to
// $settle_ms from now, but never past three settles after it was first requested (a
// steadily changing object is still scanned). Answers the ids of the scans queued now.
UNWIND $object_ids AS object_id
OPTIONAL MATCH (p:Scan {environment: $environment, status: 'pending'})
  WHERE p.kind = 'object' AND p.object_id = object_id
WITH object_id, collect(p) AS found
CALL (found) {
  UNWIND found AS p
  WITH p, datetime.transaction() + duration({milliseconds: $settle_ms}) AS wanted,
       p.requested_at + duration({milliseconds: 3 * $settle_ms}) AS latest
  WITH p, CASE WHEN wanted > latest THEN latest ELSE wanted END AS wanted
  WHERE p.not_before IS NOT NULL AND wanted > p.not_before
  SET p.not_before = wanted
}
WITH object_id, found
WHERE size(found) = 0
CREATE (s:Scan {id: randomUUID(), environment: $environment, kind: 'object',
                object_id: object_id, status: 'pending', requested_by: $requested_by,
                requested_at: datetime.transaction(),
                not_before: datetime.transaction() + duration({milliseconds: $settle_ms})})
RETURN collect(s.id) AS queued
