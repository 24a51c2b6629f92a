// Objects whose name contains a text, across the environments the caller may view
// ($names: those environments; null = all). One index seek per environment.
MATCH (e:Environment)
WHERE $names IS NULL OR e.name IN $names
MATCH (n:Object {environment: e.name})
WHERE n.id IS NOT NULL AND toLower(n.name) CONTAINS toLower($needle)
WITH n ORDER BY n.environment, n.id LIMIT $limit
RETURN properties(n) AS props
