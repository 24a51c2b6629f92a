MATCH (c:CliqueType {id: $id})
DELETE c
RETURN count(*) AS deleted
