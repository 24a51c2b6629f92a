// The status of links of one type that touch given objects, from their two ends: OK when
// both ends are OK, Warning when either is not (Calipso's vEdge-pNIC rule); nothing for a
// link an end of which has no status yet. The time is the later of the ends' results.
UNWIND $ids AS id
CALL (id) {
  MATCH (s:Object {environment: $environment, id: id})-[r:__REL_TYPE__]->(t:Object)
  RETURN s, t
  UNION
  MATCH (s:Object)-[r:__REL_TYPE__]->(t:Object {environment: $environment, id: id})
  RETURN s, t
}
WITH DISTINCT s, t
WHERE s.status_value IS NOT NULL AND t.status_value IS NOT NULL
RETURN collect({source_id: s.id, target_id: t.id,
                status_value: CASE WHEN s.status_value = 0 AND t.status_value = 0 THEN 0
                              ELSE 1 END,
                status_text: s.id + ': ' + s.status + ', ' + t.id + ': ' + t.status,
                checked_at: CASE WHEN s.status_checked_at > t.status_checked_at
                            THEN s.status_checked_at ELSE t.status_checked_at END}) AS rows
