// The environment dashboard: objects per type and status, the worst objects and links
// first, the last scan and its outcome, the listeners' state.

import { GraphQLErrors, gql, Q, Unauthorized } from "./api.js";
import { cliqueHash, h, statusBadge, when } from "./dom.js";
import { STATUS_LABEL, statusClass } from "./layout.js";

const STATUSES = ["error", "warning", "ok", "unknown"];
// Listener fields shown, in order, when the server has them (the field came later).
const LISTENER_FIELDS = ["environment", "queue", "runner", "state", "startedAt", "heartbeatAt",
  "lagLast", "queueDepth", "deadDepth", "applied", "retried", "deadLettered", "lastError",
  "lastErrorAt"];
const LISTENER_TITLES = { lagLast: "lag (s)", queueDepth: "waiting", deadDepth: "dead letters waiting", startedAt: "started", heartbeatAt: "heartbeat", lastError: "last error",
  deadLettered: "dead-lettered (total)", lastErrorAt: "last error at" };

function leafKind(type) {
  let t = type;
  while (t && (t.kind === "NON_NULL" || t.kind === "LIST")) t = t.ofType;
  return t && t.kind;
}

// The listeners of an environment, or null when this server cannot tell (no such field).
export async function loadListeners(environment) {
  try {
    const found = await gql(`{ __type(name: "ListenerState") { fields { name
      type { kind ofType { kind ofType { kind ofType { kind } } } } } } }`);
    if (!found.__type) return null;
    const have = new Map(found.__type.fields.map((f) => [f.name, leafKind(f.type)]));
    const fields = LISTENER_FIELDS.filter((f) => ["SCALAR", "ENUM"].includes(have.get(f)));
    if (!fields.length) return null;
    const data = await gql(`query Listeners($environment: String) {
      listeners(environment: $environment) { ${fields.join(" ")} } }`, { environment });
    return { fields, rows: data.listeners };
  } catch (error) {
    if (error instanceof Unauthorized) throw error;
    if (error instanceof GraphQLErrors) {
      console.info("listener state unavailable on this server:", error.message);
      return null;
    }
    throw error;
  }
}

export async function loadDashboard(environment) {
  const [data, listeners] = await Promise.all([
    gql(Q.dashboard, { environment }), loadListeners(environment)]);
  return { ...data, listeners };
}

function counts(rows) {
  const out = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const row of rows) out[statusClass(row.status)] += row.count;
  return out;
}

function totalsStrip(rows, what) {
  const c = counts(rows);
  const all = STATUSES.reduce((n, s) => n + c[s], 0);
  return h("div", { class: "totals", "aria-label": `${what} per status` },
    h("div", { class: "total all" }, h("span", { class: "total-count" }, all), h("span", { class: "total-label" }, what)),
    STATUSES.map((s) => h("div", { class: `total status-${s}${c[s] ? "" : " zero"}` },
      h("span", { class: "total-count" }, c[s]), h("span", { class: "total-label" }, STATUS_LABEL[s]))));
}

function typeTable(rows) {
  const byType = new Map();
  for (const row of rows) {
    if (!byType.has(row.type)) byType.set(row.type, Object.fromEntries(STATUSES.map((s) => [s, 0])));
    byType.get(row.type)[statusClass(row.status)] += row.count;
  }
  // Folders (Calipso's *_folder types) in one row at the end: they hold, they do not fail.
  const folders = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  let folderTypes = 0;
  for (const [type, c] of [...byType]) {
    if (!type.endsWith("_folder")) continue;
    STATUSES.forEach((s) => { folders[s] += c[s]; });
    folderTypes += 1;
    byType.delete(type);
  }
  const types = [...byType.entries()].sort(([a, x], [b, y]) =>
    (y.error - x.error) || (y.warning - x.warning) || (a < b ? -1 : 1));
  if (folderTypes) types.push([`folders (${folderTypes} types)`, folders]);
  return h("table", { class: "counts" },
    h("caption", { class: "visually-hidden" }, "Objects per type and status"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "type"),
      STATUSES.map((s) => h("th", { scope: "col", class: `num status-${s}` }, STATUS_LABEL[s])),
      h("th", { scope: "col", class: "num" }, "total"))),
    h("tbody", {}, types.map(([type, c]) => h("tr", {},
      h("th", { scope: "row" }, type),
      STATUSES.map((s) => h("td", { class: `num${c[s] ? ` has-${s}` : " zero"}` }, c[s])),
      h("td", { class: "num" }, STATUSES.reduce((n, s) => n + c[s], 0))))));
}

function worstList(items, environment) {
  if (!items.length) return h("p", { class: "muted" }, "Nothing is failing: every status is OK (or unknown).");
  return h("ol", { class: "worst" }, items.map((o) => h("li", {},
    h("a", { href: cliqueHash(environment, o.id), class: "worst-item", "data-id": o.id },
    statusBadge(o.status, o.statusValue),
    h("span", { class: "worst-name" }, o.name || o.id),
    h("span", { class: "muted" }, o.type)),
    h("div", { class: "worst-meta muted" }, o.statusTimestamp ? `since ${when(o.statusTimestamp)}` : "",
      o.statusText ? h("span", { class: "history-text" }, o.statusText) : null))));
}

function worstLinks(items) {
  if (!items.length) return h("p", { class: "muted" }, "No link is failing.");
  return h("ol", { class: "worst" }, items.map((l) => h("li", {},
    statusBadge(l.status, l.statusValue), " ",
    h("span", { class: "worst-name" }, `${l.sourceId} → ${l.targetId}`),
    h("div", { class: "worst-meta muted" }, l.linkType,
      l.statusTimestamp ? ` · since ${when(l.statusTimestamp)}` : "",
      l.statusText ? h("span", { class: "history-text" }, l.statusText) : null))));
}

const SCAN_CLASS = { completed: "ok", completed_with_errors: "warning", failed: "error", aborted: "error" };

function scanCard(scans, environment) {
  const scan = scans[0];
  const metadata = environment && environment.metadata || {};
  if (!scan) {
    const last = metadata.last_scanned;
    return h("div", {}, h("p", { class: "muted" }, "No scan recorded through the scan manager."),
      last ? h("p", {}, `Last scanned: ${when(last)}`) : null);
  }
  const cls = SCAN_CLASS[scan.status] || "unknown";
  return h("div", {},
    h("p", { class: "status-line" },
      h("span", { class: `status-badge status-${cls}` }, scan.status.replaceAll("_", " ")),
      " ", h("span", {}, `${scan.kind} scan`), scan.phase ? h("span", { class: "muted" }, ` · ${scan.phase}`) : null),
    h("dl", { class: "fields" },
      scan.requestedAt ? [h("dt", {}, "requested"), h("dd", {}, when(scan.requestedAt))] : null,
      h("dt", {}, "started"), h("dd", {}, when(scan.startedAt) || "not yet"),
      scan.endedAt ? [h("dt", {}, "ended"), h("dd", {}, when(scan.endedAt))] : null,
      scan.seconds !== null ? [h("dt", {}, "took"), h("dd", {}, `${scan.seconds.toFixed(1)} s`)] : null,
      scan.objectsWritten !== null ? [h("dt", {}, "written"),
        h("dd", {}, `${scan.objectsWritten} objects, ${scan.linksWritten ?? 0} links`)] : null,
      scan.objectsRemoved !== null ? [h("dt", {}, "removed"),
        h("dd", {}, `${scan.objectsRemoved} objects, ${scan.linksRemoved ?? 0} links`)] : null),
    scan.errors.length ? h("ul", { class: "scan-errors" }, scan.errors.map((e) => h("li", {}, e))) : null);
}

function listenerCard(listeners) {
  if (!listeners) return h("p", { class: "muted listener-unavailable" }, "Listener state unavailable on this server.");
  if (!listeners.rows.length) return h("p", { class: "muted" }, "No listener has reported for this environment.");
  return h("div", { class: "listeners" }, listeners.rows.map((row) => h("dl", { class: "fields listener" },
    listeners.fields.filter((f) => f !== "environment").map((f) => {
      let value = row[f];
      if (value === null || value === undefined || value === "") return null;
      if (/At$/.test(f)) value = when(value);
      else if (/Depth$/.test(f) && value < 0) value = "unknown";
      else if (typeof value === "number" && !Number.isInteger(value)) value = value.toFixed(2);
      if (f === "state") value = h("span", { class: `state state-${String(value).toLowerCase()}` }, value);
      return [h("dt", {}, LISTENER_TITLES[f] || f), h("dd", {}, value)];
    }))));
}

function card(title, ...content) {
  return h("section", { class: "card" }, h("h3", {}, title), ...content);
}

export function renderDashboard(body, environment, data) {
  const summary = data.statusSummary;
  body.replaceChildren(
    card("Objects", totalsStrip(summary.objectTotals, "objects"), typeTable(summary.objects)),
    h("div", { class: "dash-column" },
      card("Worst objects", worstList(summary.worst, environment)),
      card("Links", totalsStrip(summary.linkTotals, "links"), h("h4", {}, "Worst links"), worstLinks(summary.worstLinks)),
      card("Last scan", scanCard(data.scans, data.environment)),
      card("Listener", listenerCard(data.listeners))),
  );
}
