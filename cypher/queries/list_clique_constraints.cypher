MATCH (c:CliqueConstraint)
RETURN properties(c) AS props
ORDER BY c.id
