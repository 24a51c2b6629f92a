// Every object below one object, parents before their children (an event handler's
// lookup: what a rename or a move rewrites the paths of), in one read.
MATCH (p:Object {environment: $environment, id: $id})
  USING INDEX p:Object(environment, id)
MATCH path = (p)-[:CONTAINS*1..]->(n:Object)
RETURN properties(n) AS props
ORDER BY length(path)
