// Remember what the implicit links were derived from, and how many there are.
MERGE (e:Environment {name: $environment})
  ON CREATE SET e.first_seen = datetime.transaction()
SET e.implicit_links_basis = $basis, e.implicit_links_count = $count
RETURN e.name AS name
