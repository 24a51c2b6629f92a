// Where a clique's nodes go: pure functions, no page (tests run them under node).
//
// Columns are the clique's stages, as Calipso builds a clique: the focal point is column
// 0; for each of the clique type's link types "A-B" in order, a node of type B first
// reached from a node of type A (by a link stored either way) goes one column right of
// it. So vedge-otep and vedge-host_pnic land in the same column, after the vEdge.
// Anything not placed that way (none, in a clique the API computed) goes one column right
// of a placed neighbour. A column with more than `collapseAfter` nodes shows the first
// `collapseAfter - 1` and a "+K more" node, unless it is expanded.

export const COLLAPSE_AFTER = 12;

const STATUS_BY_VALUE = { 0: "ok", 1: "warning", 2: "error" };
const STATUS_BY_NAME = { ok: "ok", warning: "warning", error: "error" };

// "ok", "warning", "error" or "unknown": from Sensu's status value (0/1/2), else from the
// status text when it is one of Sensu's (some objects' own status says "ACTIVE": unknown).
export function statusClass(status, statusValue) {
  if (statusValue !== null && statusValue !== undefined && STATUS_BY_VALUE[statusValue]) {
    return STATUS_BY_VALUE[statusValue];
  }
  return STATUS_BY_NAME[String(status || "").toLowerCase()] || "unknown";
}

export const STATUS_LABEL = { ok: "OK", warning: "Warning", error: "Error", unknown: "no status" };
// The symbol beside each status colour (colour is never the only cue).
export const STATUS_SYMBOL = { ok: "✓", warning: "!", error: "✕", unknown: "?" };

// The two object types of a link type ("host_pnic-network" -> ["host_pnic", "network"]).
export function linkEnds(linkType) {
  const at = linkType.indexOf("-");
  return at < 0 ? [linkType, linkType] : [linkType.slice(0, at), linkType.slice(at + 1)];
}

export function linkKey(sourceId, targetId) {
  return `${sourceId}\u0000${targetId}`;
}

// id -> column, for the nodes of a clique.
export function assignColumns(focalId, nodes, links, linkTypes) {
  const typeOf = new Map(nodes.map((n) => [n.id, n.type]));
  const column = new Map([[focalId, 0]]);
  for (const linkType of linkTypes || []) {
    const [a, b] = linkEnds(linkType);
    for (const link of links) {
      const s = typeOf.get(link.sourceId);
      const t = typeOf.get(link.targetId);
      let from;
      let to;
      if (s === a && t === b) [from, to] = [link.sourceId, link.targetId];
      else if (s === b && t === a) [from, to] = [link.targetId, link.sourceId];
      else continue;
      if (column.has(from) && !column.has(to)) column.set(to, column.get(from) + 1);
    }
  }
  let placed = true;
  while (placed) { // the rest: next to a placed neighbour
    placed = false;
    for (const link of links) {
      for (const [from, to] of [[link.sourceId, link.targetId], [link.targetId, link.sourceId]]) {
        if (column.has(from) && !column.has(to) && typeOf.has(to)) {
          column.set(to, column.get(from) + 1);
          placed = true;
        }
      }
    }
  }
  const last = Math.max(0, ...column.values());
  for (const node of nodes) if (!column.has(node.id)) column.set(node.id, last + 1);
  return column;
}

function byName(a, b) {
  const x = (a.name || a.id).toLowerCase();
  const y = (b.name || b.id).toLowerCase();
  return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// The picture of a clique: columns of nodes (collapsed unless in `expanded`, a set of
// column indexes), and the links between what is shown ("+K more" nodes stand for the
// nodes they hide; several links to one of them are drawn once, with a count).
export function layoutClique(clique, focalId, { expanded = new Set(), collapseAfter = COLLAPSE_AFTER } = {}) {
  const nodes = clique.nodes;
  const links = clique.links;
  const linkTypes = (clique.cliqueType && clique.cliqueType.linkTypes) || [];
  const column = assignColumns(focalId, nodes, links, linkTypes);
  const count = Math.max(...column.values()) + 1;
  const members = Array.from({ length: count }, () => []);
  for (const node of nodes) members[column.get(node.id)].push(node);

  // Within a column: under the node it hangs from (its first neighbour in an earlier
  // column), then by name, so that the picture reads like a tree.
  const neighbours = new Map(nodes.map((n) => [n.id, []]));
  for (const link of links) {
    if (neighbours.has(link.sourceId)) neighbours.get(link.sourceId).push(link.targetId);
    if (neighbours.has(link.targetId)) neighbours.get(link.targetId).push(link.sourceId);
  }
  const row = new Map();
  const shown = new Map(); // id -> the id it is drawn as (itself, or its column's "+K more")
  const columns = members.map((list, index) => {
    const parentRow = (node) => {
      const rows = neighbours.get(node.id)
        .filter((id) => column.get(id) < index && row.has(id))
        .map((id) => row.get(id));
      return rows.length ? Math.min(...rows) : Infinity;
    };
    const keyed = list.map((node) => ({ node, parent: parentRow(node) }));
    keyed.sort((a, b) => (a.parent - b.parent) || byName(a.node, b.node));
    const sorted = keyed.map((k) => k.node);
    sorted.forEach((node, i) => row.set(node.id, i));
    const collapsed = sorted.length > collapseAfter && !expanded.has(index);
    const visible = collapsed ? sorted.slice(0, collapseAfter - 1) : sorted;
    const hidden = collapsed ? sorted.slice(collapseAfter - 1) : [];
    const more = hidden.length ? { id: `more:${index}`, column: index, count: hidden.length, hidden } : null;
    for (const node of visible) shown.set(node.id, node.id);
    for (const node of hidden) shown.set(node.id, more.id);
    const types = [...new Set(sorted.map((n) => n.type))];
    return { index, types, total: sorted.length, nodes: visible, more, expandable: sorted.length > collapseAfter };
  });

  const drawn = new Map(); // key -> { from, to, link (a real one), count }
  for (const link of links) {
    const from = shown.get(link.sourceId);
    const to = shown.get(link.targetId);
    if (from === undefined || to === undefined) continue;
    const real = from === link.sourceId && to === link.targetId;
    const key = real ? linkKey(from, to) : `bundle:${linkKey(from, to)}`;
    if (real) drawn.set(key, { key, from, to, link, count: 1 });
    else if (drawn.has(key)) drawn.get(key).count += 1;
    else drawn.set(key, { key, from, to, link: null, count: 1 });
  }
  const visibleNodes = columns.reduce((n, c) => n + c.nodes.length, 0);
  const realLinks = [...drawn.values()].filter((d) => d.link).length;
  return {
    columns,
    links: [...drawn.values()],
    column,
    counts: {
      nodes: nodes.length, links: links.length, visibleNodes, visibleLinks: realLinks,
      hiddenNodes: nodes.length - visibleNodes, hiddenLinks: links.length - realLinks,
    },
  };
}
