// Create or update clique types (Calipso's clique_types documents).
UNWIND $rows AS row
MERGE (c:CliqueType {id: row.id})
SET c += row.props
RETURN count(c) AS written
