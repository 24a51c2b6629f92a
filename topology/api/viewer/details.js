// The side panel: one node's or link's details (attributes, status, since when, recent
// status changes) and, for a node, the way to its own clique.

import { gql, Q, Unauthorized } from "./api.js";
import { cliqueHash, h, statusBadge, when } from "./dom.js";

function since(item, history) {
  const latest = history && history[0];
  if (latest && latest.status === item.status) return latest.at;
  return item.statusTimestamp;
}

function fieldList(rows) {
  const dl = h("dl", { class: "fields" });
  for (const [name, value] of rows) {
    if (value === null || value === undefined || value === "") continue;
    dl.append(h("dt", {}, name), h("dd", {}, typeof value === "object" && !(value instanceof Node)
      ? JSON.stringify(value) : value));
  }
  return dl;
}

function attributesSection(attributes) {
  const entries = Object.entries(attributes || {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (!entries.length) return null;
  return h("section", { class: "panel-section" },
    h("h3", {}, "Attributes"),
    fieldList(entries.map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])));
}

function statusSection(item, history) {
  const at = since(item, history);
  const rows = [h("p", { class: "status-line" }, statusBadge(item.status, item.statusValue),
    at ? h("span", { class: "muted" }, ` since ${when(at)}`) : null)];
  if (item.statusText) rows.push(h("pre", { class: "status-text" }, item.statusText));
  if (history && history.length) {
    rows.push(h("h4", {}, "Latest changes"), h("ol", { class: "history" },
      history.map((c) => h("li", {}, statusBadge(c.status), " ", h("span", { class: "muted" }, when(c.at)),
        c.statusText ? h("span", { class: "history-text" }, c.statusText) : null))));
  }
  return h("section", { class: "panel-section" }, h("h3", {}, "Status"), ...rows);
}

function failed(body, error) {
  body.replaceChildren(h("p", { class: "error", role: "alert" }, `Could not load the details: ${error.message}`));
}

// Fills `body` with an object's details; `current` is the focal point shown (if any).
export async function showNode(body, environment, id, { current }) {
  body.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  let data;
  try {
    data = await gql(Q.object, { environment, id });
  } catch (error) {
    if (error instanceof Unauthorized) throw error;
    failed(body, error);
    return null;
  }
  const obj = data.object;
  if (!obj) {
    body.replaceChildren(h("p", { class: "error" }, `${id} is not in ${environment} (any more).`));
    return null;
  }
  let clique;
  if (id === current) {
    clique = h("p", { class: "muted" }, "This is the focal point of the clique shown.");
  } else if (obj.clique) {
    clique = h("a", { href: cliqueHash(environment, id), class: "button primary open-clique" },
      `Open this object's clique (${obj.clique.nodes.length} nodes, ${obj.clique.links.length} links)`);
  } else {
    clique = h("p", { class: "no-clique" },
      "No clique: this object is not a focal point (no clique type of its environment starts at a ",
      h("code", {}, obj.type), ", or this one takes no link).");
  }
  body.replaceChildren(
    h("p", { class: "panel-kind" }, `${obj.type} · ${obj.environment}`),
    h("p", { class: "panel-name" }, obj.name || obj.id),
    h("section", { class: "panel-section" }, clique),
    statusSection(obj, obj.statusHistory),
    h("section", { class: "panel-section" }, h("h3", {}, "Object"), fieldList([
      ["id", obj.id], ["type", obj.type], ["environment", obj.environment], ["name", obj.name],
      ["object name", obj.objectName], ["parent", obj.parentId && `${obj.parentType || ""} ${obj.parentId}`.trim()],
      ["path", obj.namePath], ["first seen", when(obj.firstSeen)], ["last seen", when(obj.lastSeen)],
    ])),
    attributesSection(obj.attributes),
  );
  return obj;
}

// Fills `body` with a link's details; `nameOf` names its ends, `onNode` opens one.
export async function showLink(body, environment, link, { nameOf, onNode }) {
  body.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  let data;
  try {
    data = await gql(Q.link, { environment, source: link.sourceId, target: link.targetId });
  } catch (error) {
    if (error instanceof Unauthorized) throw error;
    failed(body, error);
    return null;
  }
  const found = data.links.items[0];
  if (!found) {
    body.replaceChildren(h("p", { class: "error" }, "This link is not in the graph (any more)."));
    return null;
  }
  const end = (id) => h("button", { type: "button", class: "link-button", onclick: () => onNode(id) }, nameOf(id));
  body.replaceChildren(
    h("p", { class: "panel-kind" }, `link · ${found.environment || environment}`),
    h("p", { class: "panel-name" }, found.linkType),
    h("p", { class: "link-ends" }, end(found.sourceId), " → ", end(found.targetId)),
    statusSection(found, found.statusHistory),
    h("section", { class: "panel-section" }, h("h3", {}, "Link"), fieldList([
      ["type", found.linkType], ["name", found.linkName], ["state", found.state],
      ["source", found.sourceId], ["target", found.targetId], ["host", found.host],
      ["network", found.network], ["implicit", found.implicit === null ? null : String(found.implicit)],
      ["weight", found.linkWeight], ["first seen", when(found.firstSeen)], ["last seen", when(found.lastSeen)],
    ])),
    attributesSection(found.attributes),
  );
  return found;
}
