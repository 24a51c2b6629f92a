// Which readings of a check name exist in the environment: objects by (type, id), links
// by (link type, source id, target id). Each reading comes with its index i.
CALL () {
  UNWIND $objects AS o
  MATCH (n:Object {environment: $environment, id: o.id})
    USING INDEX n:Object(environment, id)
  WHERE n.type = o.type
  RETURN collect(o.i) AS objects
}
CALL () {
  UNWIND $links AS l
  MATCH (:Object {environment: $environment, id: l.source_id})
        -[r]->(:Object {environment: $environment, id: l.target_id})
  WHERE r.link_type = l.link_type
  RETURN collect(l.i) AS links
}
RETURN objects, links
