// Shipped clique types: created once, never overwriting what users changed since.
UNWIND $rows AS row
MERGE (c:CliqueType {id: row.id})
  ON CREATE SET c += row.props, c.shipped = true
RETURN count(c) AS written
