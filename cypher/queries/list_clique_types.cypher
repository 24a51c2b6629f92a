// Every clique type, in a stable order (ties in scoring go to the first).
MATCH (c:CliqueType)
RETURN properties(c) AS props
ORDER BY c.id
