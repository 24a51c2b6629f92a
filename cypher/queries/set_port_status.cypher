// Status results of one port of an object (an otep's tunnel ports), kept as parallel
// lists on the object (port_names, port_status_values, port_status_texts,
// port_checked_at); an older result for a port than the one kept changes nothing. Answers
// the object's rolled-up status: OK when every port is OK, Error when any is, else
// Warning, its text the failing ports' (as status texts go, written only when the
// status changes). The caller takes the objects' locks first (lock_objects.cypher) and
// writes the roll-up with set_object_status.cypher.
UNWIND $rows AS row
MATCH (n:Object {environment: $environment, id: row.id})
  USING INDEX n:Object(environment, id)
WITH n, row, coalesce(n.port_names, []) AS names
WITH n, row, names, [i IN range(0, size(names) - 1) WHERE names[i] = row.port] AS at
WITH n, row, names, at,
     coalesce(n.port_status_values, []) AS values,
     coalesce(n.port_status_texts, []) AS texts,
     coalesce(n.port_checked_at, []) AS checked
WITH n, row, at, names, values, texts, checked,
     at = [] OR row.checked_at >= checked[at[0]] AS fresh
WITH n, row, fresh,
     CASE WHEN at = [] THEN names + row.port ELSE names END AS names,
     CASE WHEN at = [] THEN values + row.status_value
          WHEN fresh THEN [i IN range(0, size(values) - 1) |
                           CASE WHEN i = at[0] THEN row.status_value ELSE values[i] END]
          ELSE values END AS values,
     CASE WHEN at = [] THEN texts + row.status_text
          WHEN fresh THEN [i IN range(0, size(texts) - 1) |
                           CASE WHEN i = at[0] THEN row.status_text ELSE texts[i] END]
          ELSE texts END AS texts,
     CASE WHEN at = [] THEN checked + row.checked_at
          WHEN fresh THEN [i IN range(0, size(checked) - 1) |
                           CASE WHEN i = at[0] THEN row.checked_at ELSE checked[i] END]
          ELSE checked END AS checked
SET n.port_names = names, n.port_status_values = values, n.port_status_texts = texts,
    n.port_checked_at = checked
WITH n, row, names, values, texts,
     CASE WHEN all(v IN values WHERE v = 0) THEN 0
          WHEN any(v IN values WHERE v = 2) THEN 2 ELSE 1 END AS rolled
RETURN collect({i: row.i, id: n.id, status_value: rolled,
                status_text: CASE WHEN rolled = 0 THEN 'all ports OK'
                  ELSE substring(reduce(bad = '',
                         k IN [i IN range(0, size(values) - 1) WHERE values[i] > 0] |
                         bad + '; ' + names[k] + ': ' + texts[k]), 2) END,
                checked_at: row.checked_at}) AS rolled
