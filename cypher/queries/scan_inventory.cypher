// Every object of an environment with its properties, for a scan of the links alone
// (the link finders read the inventory as the last scan wrote it).
MATCH (n:Object)
WHERE n.environment = $environment AND n.id IS NOT NULL
RETURN properties(n) AS props
