// Objects of one catalogue label whose properties equal $equals (an event handler's
// lookup: a vNIC by MAC, the vServices of a router...). The label comes from the
// catalogue; property names and values are parameters.
MATCH (n:__LABEL__)
WHERE n.environment = $environment AND n.id IS NOT NULL
  AND all(key IN keys($equals) WHERE n[key] = $equals[key])
RETURN properties(n) AS props
LIMIT $limit
