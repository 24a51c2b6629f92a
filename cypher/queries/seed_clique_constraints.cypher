// Shipped clique constraints: created once, never overwriting what users changed since.
UNWIND $rows AS row
MERGE (c:CliqueConstraint {id: row.id})
  ON CREATE SET c += row.props, c.shipped = true
RETURN count(c) AS written
