// The clique as an SVG picture: columns of nodes (layout.js), links between them, each
// focusable and labelled; a status change recolours one node or link in place.

import { STATUS_LABEL, STATUS_SYMBOL, layoutClique, linkKey, statusClass } from "./layout.js";

const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 176;
const NODE_H = 48;
const COL_GAP = 46;
const NAME_WIDTH = NODE_W - 54; // px left for a name, right of the badge
const MIN_SCALE = 0.75; // a wide clique is shrunk to fit the view, down to this
const ROW_GAP = 14;
const HEAD = 34; // column titles
const PAD = 18;

export function el(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function shorten(text, max) {
  if (!text || text.length <= max) return text || "";
  const keep = max - 1;
  const head = Math.ceil(keep * 0.6);
  return `${text.slice(0, head)}…${text.slice(text.length - (keep - head))}`;
}

function statusWords(status) {
  return status === "unknown" ? "no status" : `status ${STATUS_LABEL[status]}`;
}

function nodeLabel(node) {
  return `${node.type} ${node.name || node.id}, ${statusWords(statusClass(node.status, node.statusValue))}`;
}

function linkLabel(link, nameOf) {
  const known = linkStatusClass(link);
  const status = known === "none" ? "" : `, ${statusWords(known)}`;
  return `link ${link.linkType} from ${nameOf(link.sourceId)} to ${nameOf(link.targetId)}, ` +
    `${link.state || "state unknown"}${status}`;
}

function linkStatusClass(link) {
  const known = link.statusValue !== null && link.statusValue !== undefined;
  return known || link.status ? statusClass(link.status, link.statusValue) : "none";
}

function pathBetween(a, b) {
  // a, b: { x, y, column } of node boxes (top-left corners)
  const ya = a.y + NODE_H / 2;
  const yb = b.y + NODE_H / 2;
  if (a.column === b.column) { // a bow on the right of the column
    const x = a.x + NODE_W;
    const bow = 40 + Math.min(60, Math.abs(yb - ya) / 4);
    return `M${x},${ya} C${x + bow},${ya} ${x + bow},${yb} ${x},${yb}`;
  }
  const [left, right, yl, yr] = a.column < b.column ? [a, b, ya, yb] : [b, a, yb, ya];
  const x1 = left.x + NODE_W;
  const x2 = right.x;
  const dx = Math.max(30, (x2 - x1) / 2);
  return `M${x1},${yl} C${x1 + dx},${yl} ${x2 - dx},${yr} ${x2},${yr}`;
}

// Draws `clique` (the API's answer) into `container`; returns the picture's handle.
export function drawClique(container, clique, focalId, { expanded, onSelect, onToggle }) {
  const picture = layoutClique(clique, focalId, { expanded });
  const byId = new Map(clique.nodes.map((n) => [n.id, n]));
  const nameOf = (id) => (byId.get(id) && (byId.get(id).name || id)) || id;
  const rows = Math.max(...picture.columns.map((c) => c.nodes.length + (c.more ? 1 : 0)));
  const height = HEAD + PAD * 2 + rows * (NODE_H + ROW_GAP) - ROW_GAP;
  const width = PAD * 2 + picture.columns.length * (NODE_W + COL_GAP) - COL_GAP + 40;
  const c = picture.counts;
  const svg = el("svg", {
    class: "clique", width, height, viewBox: `0 0 ${width} ${height}`, role: "group",
    "aria-label": `Clique of ${nameOf(focalId)}: ${c.nodes} nodes and ${c.links} links` +
      (c.hiddenNodes ? `, ${c.hiddenNodes} nodes collapsed` : ""),
    "data-nodes": c.nodes, "data-links": c.links,
    "data-visible-nodes": c.visibleNodes, "data-visible-links": c.visibleLinks,
  });

  const place = new Map(); // drawn id -> { x, y, column }
  const heads = el("g", { class: "columns" });
  for (const column of picture.columns) {
    const x = PAD + column.index * (NODE_W + COL_GAP);
    const count = column.nodes.length + (column.more ? 1 : 0);
    const top = HEAD + PAD + ((rows - count) * (NODE_H + ROW_GAP)) / 2;
    const title = `${column.types.join(" · ")}${column.total > 1 ? `  (${column.total})` : ""}`;
    heads.append(el("text", { class: "column-title", x: x + NODE_W / 2, y: PAD + 8 }, title));
    if (column.expandable && !column.more) {
      const toggle = el("text", {
        class: "column-toggle", x: x + NODE_W / 2, y: PAD + 24, tabindex: 0, role: "button",
        "aria-label": `Collapse the ${column.types.join(" and ")} column`,
      }, "show fewer");
      activate(toggle, () => onToggle(column.index));
      heads.append(toggle);
    }
    column.nodes.forEach((node, i) => place.set(node.id, { x, y: top + i * (NODE_H + ROW_GAP), column: column.index }));
    if (column.more) {
      place.set(column.more.id, { x, y: top + column.nodes.length * (NODE_H + ROW_GAP), column: column.index });
    }
  }

  // Keyboard order: column by column, each node followed by the links to its right, so
  // Tab walks the clique as it reads. (Links end at the sides of the boxes: drawn after a
  // node, a link never covers one.)
  const after = new Map(); // drawn id -> link elements that follow it
  const bundles = el("g", { class: "bundles", "aria-hidden": "true" });
  const links = new Map(); // linkKey -> { g, link }
  for (const drawn of picture.links) {
    const a = place.get(drawn.from);
    const b = place.get(drawn.to);
    const d = pathBetween(a, b);
    if (!drawn.link) {
      bundles.append(el("g", { class: "link bundle" }, el("path", { class: "link-line", d }),
        el("title", {}, `${drawn.count} links to collapsed nodes`)));
      continue;
    }
    const link = drawn.link;
    const g = el("g", {
      class: `link state-${link.state === "down" ? "down" : "up"} status-${linkStatusClass(link)}`,
      tabindex: 0, role: "button", "aria-label": linkLabel(link, nameOf),
      "data-source": link.sourceId, "data-target": link.targetId, "data-type": link.linkType,
      "data-status": linkStatusClass(link),
    }, el("path", { class: "link-hit", d }), el("path", { class: "link-line", d }),
    el("title", {}, linkLabel(link, nameOf)));
    activate(g, () => onSelect("link", link));
    links.set(linkKey(link.sourceId, link.targetId), { g, link });
    const left = a.column <= b.column ? drawn.from : drawn.to;
    if (!after.has(left)) after.set(left, []);
    after.get(left).push(g);
  }
  svg.append(heads, bundles);

  const layer = el("g", { class: "nodes" });
  const nodes = new Map(); // id -> <g>
  for (const column of picture.columns) {
    for (const node of column.nodes) {
      const { x, y } = place.get(node.id);
      const g = nodeElement(node, x, y, node.id === focalId);
      g.dataset.column = column.index;
      activate(g, () => onSelect("node", node));
      nodes.set(node.id, g);
      layer.append(g, ...(after.get(node.id) || []));
    }
    if (column.more) {
      const { x, y } = place.get(column.more.id);
      const what = column.types.join(" / ");
      const g = el("g", {
        class: "node more", transform: `translate(${x},${y})`, tabindex: 0, role: "button",
        "aria-expanded": "false", "data-column": column.index,
        "aria-label": `${column.more.count} more ${what} nodes, collapsed: press Enter to show them`,
      },
      el("rect", { class: "node-box", width: NODE_W, height: NODE_H, rx: 8 }),
      el("text", { class: "more-text", x: NODE_W / 2, y: NODE_H / 2 + 5 }, `+${column.more.count} more`),
      el("title", {}, column.more.hidden.map((n) => n.name || n.id).join("\n")));
      activate(g, () => onToggle(column.index));
      layer.append(g, ...(after.get(column.more.id) || []));
    }
  }
  svg.append(layer);
  svg.addEventListener("keydown", (event) => moveFocus(svg, event));
  container.replaceChildren(svg);
  fitNames(svg);
  const handle = { svg, nodes, links, byId, counts: c, nameOf, width, height };
  fitWidth(handle, container);
  return handle;
}

// A wide picture shrinks to the width of its container, down to MIN_SCALE (then it
// scrolls); called again when the container changes size (the details panel opens).
export function fitWidth(handle, container) {
  const available = container.clientWidth - 2;
  const scale = available > 0 && handle.width > available
    ? Math.max(MIN_SCALE, available / handle.width) : 1;
  handle.svg.setAttribute("width", Math.floor(handle.width * scale));
  handle.svg.setAttribute("height", Math.floor(handle.height * scale));
}

// Names as long as they fit (the full name is in the node's title and label).
function fitNames(svg) {
  for (const text of svg.querySelectorAll(".node-name")) {
    const full = text.dataset.full;
    let max = full.length;
    while (max > 6 && text.getComputedTextLength() > NAME_WIDTH) {
      max -= 1;
      text.textContent = shorten(full, max);
    }
  }
}

function nodeElement(node, x, y, focal) {
  const status = statusClass(node.status, node.statusValue);
  const name = node.name || node.id;
  const g = el("g", {
    class: `node status-${status}${focal ? " focal" : ""}`, transform: `translate(${x},${y})`,
    tabindex: 0, role: "button", "aria-label": nodeLabel(node),
    "data-id": node.id, "data-type": node.type, "data-status": status,
  },
  el("rect", { class: "focus-ring", x: -4, y: -4, width: NODE_W + 8, height: NODE_H + 8, rx: 11 }),
  el("rect", { class: "node-box", width: NODE_W, height: NODE_H, rx: 8 }),
  el("circle", { class: "badge", cx: 24, cy: NODE_H / 2, r: 12 }),
  el("text", { class: "badge-text", x: 24, y: NODE_H / 2 + 5, "aria-hidden": "true" }, STATUS_SYMBOL[status]),
  el("text", { class: "node-name", x: 46, y: 21, "data-full": name }, shorten(name, 40)),
  el("text", { class: "node-type", x: 46, y: 37 }, focal ? `${node.type} · focal point` : node.type),
  el("title", {}, `${name}\n${node.type} ${node.id}\nstatus: ${STATUS_LABEL[status]}` +
    (node.statusText ? `\n${node.statusText}` : "")));
  return g;
}

// Arrow keys between nodes: up and down in a column, left and right to the nearest node
// of the next column.
function moveFocus(svg, event) {
  const step = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[event.key];
  const from = event.target.closest && event.target.closest("g.node");
  if (!step || !from) return;
  const nodes = [...svg.querySelectorAll("g.node")];
  const column = Number(from.dataset.column);
  const top = (g) => g.getBoundingClientRect().top;
  let next;
  if (step[1]) {
    const same = nodes.filter((g) => Number(g.dataset.column) === column);
    next = same[same.indexOf(from) + step[1]];
  } else {
    const other = nodes.filter((g) => Number(g.dataset.column) === column + step[0]);
    const y = top(from);
    next = other.sort((a, b) => Math.abs(top(a) - y) - Math.abs(top(b) - y))[0];
  }
  if (next) {
    event.preventDefault();
    next.focus();
  }
}

// Click, Enter and Space do `action`.
function activate(element, action) {
  element.addEventListener("click", (event) => { event.stopPropagation(); action(); });
  element.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      action();
    }
  });
}

// A status change (the statusChanged subscription's payload) applied to the drawn clique
// in place; returns the changed node or link (its data updated), or null.
export function applyStatus(handle, change) {
  if (!handle) return null;
  const fields = {
    status: change.status, statusValue: change.statusValue, statusText: change.statusText,
    statusTimestamp: change.at,
  };
  if (change.kind === "OBJECT") {
    const node = handle.byId.get(change.objectId);
    if (!node) return null;
    Object.assign(node, fields);
    const g = handle.nodes.get(change.objectId);
    if (g) {
      const status = statusClass(node.status, node.statusValue);
      g.classList.remove("status-ok", "status-warning", "status-error", "status-unknown");
      g.classList.add(`status-${status}`);
      g.dataset.status = status;
      g.setAttribute("aria-label", nodeLabel(node));
      g.querySelector(".badge-text").textContent = STATUS_SYMBOL[status];
      g.classList.remove("flash");
      void g.getBBox(); // restart the animation
      g.classList.add("flash");
    }
    return { kind: "node", item: node };
  }
  const drawn = handle.links.get(linkKey(change.sourceId, change.targetId));
  if (!drawn) return null;
  const { g, link } = drawn;
  Object.assign(link, fields);
  const status = linkStatusClass(link);
  g.classList.remove("status-ok", "status-warning", "status-error", "status-unknown", "status-none");
  g.classList.add(`status-${status}`);
  g.dataset.status = status;
  g.setAttribute("aria-label", linkLabel(link, handle.nameOf));
  return { kind: "link", item: link };
}
