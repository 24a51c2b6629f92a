MATCH (c:CliqueConstraint {id: $id})
DELETE c
RETURN count(*) AS deleted
