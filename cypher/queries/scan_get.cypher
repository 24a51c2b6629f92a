MATCH (s:Scan {id: $id})
RETURN properties(s) AS scan
