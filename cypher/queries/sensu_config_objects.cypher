// The objects Sensu checks are provisioned for (sensu-config): every property, the nested
// attributes as their JSON text. Ordered for stable output.
MATCH (n:Object)
WHERE n.environment = $environment AND n.id IS NOT NULL AND n.type IN $types
RETURN properties(n) AS props
ORDER BY n.type, n.id
