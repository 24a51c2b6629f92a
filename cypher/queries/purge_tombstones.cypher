// One chunk of expired tombstones (objects' and links'), of every environment.
CALL () {
  MATCH (b:Tombstone) WHERE b.expires_at <= datetime.transaction()
  WITH b LIMIT $limit
  DELETE b
  RETURN count(*) AS objects
}
CALL () {
  MATCH (b:LinkTombstone) WHERE b.expires_at <= datetime.transaction()
  WITH b LIMIT $limit
  DELETE b
  RETURN count(*) AS links
}
RETURN objects + links AS deleted
