// Objects whose name contains a text, across the environments the caller may view.
MATCH (n:Object)
WHERE n.environment IN $names AND toLower(n.name) CONTAINS toLower($needle)
WITH n ORDER BY n.environment, n.id LIMIT $limit
RETURN properties(n) AS props
