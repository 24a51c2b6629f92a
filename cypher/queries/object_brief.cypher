// What a scan of one object needs to know about it: where it is in the tree.
MATCH (n:Object {environment: $environment, id: $id})
RETURN n.id AS id, n.type AS type, n.host AS host, n.id_path AS id_path,
       n.name_path AS name_path, n.parent_id AS parent_id
