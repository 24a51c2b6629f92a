// Upsert one batch of objects of a single type. __LABELS__ comes from the type catalogue
// (e.g. ":Instance" or ":Folder:VnicsFolder"); every value is a parameter.
UNWIND $rows AS row
MERGE (n:Object {environment: $environment, id: row.id})
  ON CREATE SET n.first_seen = datetime.transaction()
SET n += row.props,
    n.environment = $environment,
    n.last_seen = datetime.transaction()
SET n__LABELS__
RETURN count(n) AS written
