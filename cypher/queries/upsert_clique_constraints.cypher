// Create or update clique constraints (Calipso's clique_constraints documents).
UNWIND $rows AS row
MERGE (c:CliqueConstraint {id: row.id})
SET c += row.props
RETURN count(c) AS written
