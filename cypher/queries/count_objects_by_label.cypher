// How many objects of an environment carry each label.
MATCH (n:Object {environment: $environment}) WHERE n.id IS NOT NULL
UNWIND labels(n) AS label
RETURN label, count(*) AS count
ORDER BY label
