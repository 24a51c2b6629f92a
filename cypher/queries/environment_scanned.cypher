// A full scan of the environment ended: it is scanned, as of now.
MATCH (e:Environment {name: $environment})
SET e.scanned = true, e.last_scanned = datetime.transaction()
RETURN e.name AS name
