// Every listener's figures (or one environment's), with how old they are.
MATCH (l:Listener)
WHERE $environment IS NULL OR l.environment = $environment
RETURN properties(l) AS props,
       duration.inSeconds(l.updated_at, datetime()).seconds AS age
ORDER BY l.environment
