// How many objects of an environment carry each label.
MATCH (n:Object {environment: $environment})
UNWIND labels(n) AS label
RETURN label, count(*) AS count
ORDER BY label
