// The viewer: login, search, the clique picture with its details panel, the dashboard,
// and live updates. The URL's hash says what is shown, so reload and back work:
//   #/clique/<environment>/<object id>    #/dashboard/<environment>    #/

import { gql, Q, token, Unauthorized } from "./api.js";
import { renderDashboard, loadDashboard } from "./dashboard.js";
import { showLink, showNode } from "./details.js";
import { cliqueHash, h, show } from "./dom.js";
import { applyStatus, drawClique, fitWidth } from "./graph.js";
import { STATUS_LABEL, statusClass } from "./layout.js";
import { Live } from "./live.js";

const $ = (id) => document.getElementById(id);
const REFETCH_DELAY = 500; // ms: topology changes close together redraw once
const DASHBOARD_DELAY = 1000;

const STATUS_CHANGED = `subscription StatusChanged($environment: String!) {
  statusChanged(environment: $environment) {
    environment kind objectId objectType sourceId targetId linkType
    status statusValue statusText at recordedAt
  }
}`;
const TOPOLOGY_CHANGED = `subscription TopologyChanged($environment: String!) {
  topologyChanged(environment: $environment) {
    environment source objectsAdded objectsChanged objectsRemoved truncated recordedAt
    linksAdded { sourceId targetId linkType }
    linksChanged { sourceId targetId linkType }
    linksRemoved { sourceId targetId linkType }
  }
}`;

const state = {
  environments: [],
  view: "clique",
  clique: null, // { environment, id, data, handle }
  expanded: new Set(),
  selected: null, // { kind: "node"|"link", id | sourceId+targetId }
  dashboardEnv: null,
  live: null,
  subscriptions: new Map(), // environment -> [unsubscribe, ...]
  topologyFeed: true, // false once the server says it has no topologyChanged
  timers: {},
};

function announce(text) {
  $("announce").textContent = text;
}

function later(name, delay, action) {
  clearTimeout(state.timers[name]);
  state.timers[name] = setTimeout(action, delay);
}

// --- login -------------------------------------------------------------------------

// The page as signed in (the viewer) or not (the login form).
function signedIn(yes) {
  for (const id of ["app", "tabs", "search-form", "logout", "live"]) show($(id), yes);
  show($("login"), !yes);
}

// The login form, with why; the token is forgotten unless only the API was unreachable
// (a reload then tries it again).
function showLogin(message, { forget = true } = {}) {
  if (state.live) state.live.close();
  state.live = null;
  state.subscriptions.clear();
  if (forget) token.clear();
  signedIn(false);
  const error = $("login-error");
  error.textContent = message || "";
  show(error, Boolean(message));
  $("token").value = "";
  $("token").focus();
}

function failed(error) {
  if (error instanceof Unauthorized) {
    showLogin("The token was refused (it may have changed): enter it again.");
    return true;
  }
  console.error(error);
  return false;
}

async function start() {
  try {
    const data = await gql(Q.environments);
    state.environments = data.environments.map((e) => e.name);
  } catch (error) {
    if (!failed(error)) showLogin(`The API cannot be reached: ${error.message}`, { forget: false });
    return;
  }
  signedIn(true);
  state.live = new Live({
    getToken: token.get,
    onState: liveState,
    onUnauthorized: () => showLogin("The token was refused for live updates: enter it again."),
    onReconnect: () => { // what changed while away: read it again
      if (state.clique) refetchClique();
      if (state.view === "dashboard") refreshDashboard();
    },
  });
  liveState("offline");
  state.live.connect(); // the indicator says at once whether live updates work
  const picker = $("env-picker");
  picker.replaceChildren(...state.environments.map((name) => h("option", { value: name }, name)));
  route();
}

function liveState(name) {
  const live = $("live");
  live.dataset.state = name;
  live.querySelector(".live-text").textContent = {
    live: "live", connecting: "connecting…", reconnecting: "reconnecting…", offline: "not live",
  }[name] || name;
  live.title = name === "live" ? "Status and topology changes are shown as they happen" : "Live updates paused";
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const value = $("token").value.trim();
  if (!value) return;
  try {
    await gql(Q.environments, {}, value);
  } catch (error) {
    const message = error instanceof Unauthorized ? "This token was refused: check it and try again."
      : `The API cannot be reached: ${error.message}`;
    const box = $("login-error");
    box.textContent = message;
    show(box, true);
    $("token").select();
    return;
  }
  token.set(value);
  start();
});

$("logout").addEventListener("click", () => showLogin("Logged out."));

// --- routing -----------------------------------------------------------------------

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts[0] === "clique" && parts.length >= 3) {
    return { view: "clique", environment: parts[1], id: parts.slice(2).join("/") };
  }
  if (parts[0] === "dashboard") return { view: "dashboard", environment: parts[1] || null };
  return { view: "clique" };
}

function openClique(environment, id) {
  location.hash = cliqueHash(environment, id);
}

function route() {
  if (!token.get() || !state.live) return;
  const where = parseHash();
  state.view = where.view;
  show($("clique-view"), where.view === "clique");
  show($("dashboard-view"), where.view === "dashboard");
  $("tab-clique").setAttribute("aria-current", where.view === "clique" ? "page" : "false");
  $("tab-dashboard").setAttribute("aria-current", where.view === "dashboard" ? "page" : "false");
  if (where.view === "dashboard") {
    const environment = where.environment || state.dashboardEnv
      || (state.clique && state.clique.environment) || state.environments[0];
    if (environment) showDashboard(environment);
    else $("dash-body").replaceChildren(h("p", { class: "muted" }, "No environment yet."));
  } else if (where.id) {
    const same = state.clique && state.clique.environment === where.environment && state.clique.id === where.id;
    if (!same) loadClique(where.environment, where.id);
    else $("tab-clique").href = cliqueHash(where.environment, where.id);
  }
  subscribeLive();
}

window.addEventListener("hashchange", route);

new ResizeObserver(() => {
  const handle = state.clique && state.clique.handle;
  if (handle) fitWidth(handle, $("graph"));
}).observe($("graph"));

// --- search ------------------------------------------------------------------------

const search = { results: [], active: -1, seq: 0 };

function closeResults() {
  show($("search-results"), false);
  $("search-input").setAttribute("aria-expanded", "false");
  search.active = -1;
}

function renderResults() {
  const list = $("search-results");
  if (!search.results.length) {
    list.replaceChildren(h("li", { class: "no-results", role: "option", "aria-disabled": "true" }, "Nothing found"));
  } else {
    list.replaceChildren(...search.results.map((r, i) => h("li", {
      role: "option", id: `result-${i}`, class: "result", "aria-selected": i === search.active ? "true" : "false",
      "data-id": r.id, "data-environment": r.environment,
      onmousedown: (e) => { e.preventDefault(); choose(i); },
    },
    h("span", { class: `dot status-${statusClass(r.status, r.statusValue)}`, "aria-hidden": "true" }),
    h("span", { class: "result-name" }, r.name || r.id),
    h("span", { class: "result-type" }, r.type),
    h("span", { class: "result-env" }, r.environment))));
  }
  $("search-input").setAttribute("aria-activedescendant", search.active >= 0 ? `result-${search.active}` : "");
  show(list, true);
  $("search-input").setAttribute("aria-expanded", "true");
}

function choose(i) {
  const r = search.results[i];
  if (!r) return;
  closeResults();
  $("search-input").value = r.name || r.id;
  openClique(r.environment, r.id);
}

async function runSearch() {
  const text = $("search-input").value.trim();
  if (text.length < 1) { closeResults(); return; }
  const seq = ++search.seq;
  try {
    const data = await gql(Q.search, { text, first: 20 });
    if (seq !== search.seq) return; // a newer search is under way
    search.results = data.search;
    search.active = data.search.length ? 0 : -1;
    renderResults();
  } catch (error) {
    failed(error);
  }
}

$("search-input").addEventListener("input", () => later("search", 200, runSearch));
$("search-input").addEventListener("keydown", (event) => {
  const open = !$("search-results").hidden;
  if (event.key === "ArrowDown" && open) {
    search.active = Math.min(search.results.length - 1, search.active + 1);
    renderResults();
    event.preventDefault();
  } else if (event.key === "ArrowUp" && open) {
    search.active = Math.max(0, search.active - 1);
    renderResults();
    event.preventDefault();
  } else if (event.key === "Enter") {
    event.preventDefault();
    if (open && search.active >= 0) choose(search.active);
    else runSearch();
  } else if (event.key === "Escape") {
    closeResults();
  }
});
$("search-input").addEventListener("blur", () => later("close-search", 150, closeResults));
$("search-form").addEventListener("submit", (event) => event.preventDefault());

// --- the clique --------------------------------------------------------------------

function summaryText(data) {
  const c = state.clique.handle.counts;
  const parts = [`${data.clique.cliqueType.name} clique`, `${c.nodes} nodes`, `${c.links} links`];
  if (c.hiddenNodes) parts.push(`${c.hiddenNodes} nodes collapsed`);
  return parts.join(" · ");
}

async function loadClique(environment, id, { keep = false } = {}) {
  const token0 = Symbol("load");
  state.loading = token0;
  if (!keep) {
    state.expanded = new Set();
    state.selected = null;
    closeDetails();
    $("clique-title").textContent = "Loading…";
    $("clique-summary").textContent = "";
  }
  let data;
  try {
    data = await gql(Q.clique, { environment, id });
  } catch (error) {
    if (!failed(error)) $("clique-summary").textContent = `Could not load it: ${error.message}`;
    return;
  }
  if (state.loading !== token0) return; // another one was asked for meanwhile
  $("tab-clique").href = cliqueHash(environment, id);
  const graph = $("graph");
  if (!data.object) {
    state.clique = null;
    $("clique-title").textContent = "Not found";
    graph.replaceChildren(h("div", { class: "empty" }, h("p", {}, `${id} is not in ${environment}.`)));
    return;
  }
  const obj = data.object;
  state.clique = { environment, id, data, handle: null };
  subscribeLive(); // this environment's changes, from now on
  $("clique-title").replaceChildren(h("span", { class: "title-name" }, obj.name || obj.id),
    h("span", { class: "title-kind" }, ` ${obj.type} · ${environment}`));
  document.title = `${obj.name || obj.id} · Topology viewer`;
  if (!data.clique) {
    $("clique-summary").textContent = "";
    graph.replaceChildren(h("div", { class: "empty no-clique-view" },
      h("p", {}, h("strong", {}, "No clique. "), `${obj.name || obj.id} is not the focal point of a clique: `,
        `no clique type of this environment starts at a ${obj.type}, or this one takes no link.`),
      h("p", {}, "Its details are on the right; search another object, or open one from the dashboard.")));
    select({ kind: "node", id });
    return;
  }
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("[data-id]");
  const refocus = focused && focused.dataset.id;
  draw();
  $("clique-summary").textContent = summaryText(data);
  if (refocus) {
    const again = state.clique.handle.nodes.get(refocus);
    if (again) again.focus();
  }
  if (keep && state.selected) markSelected();
}

function draw() {
  const { data, id } = state.clique;
  state.clique.handle = drawClique($("graph"), data.clique, id, {
    expanded: state.expanded,
    onSelect: (kind, item) => select(kind === "node" ? { kind, id: item.id }
      : { kind, sourceId: item.sourceId, targetId: item.targetId }),
    onToggle: (column) => {
      if (state.expanded.has(column)) state.expanded.delete(column);
      else state.expanded.add(column);
      draw();
      $("clique-summary").textContent = summaryText(state.clique.data);
      const more = $("graph").querySelector(`.node.more[data-column="${column}"]`);
      if (more) more.focus();
      markSelected();
    },
  });
  markSelected();
}

function markSelected() {
  const handle = state.clique && state.clique.handle;
  if (!handle) return;
  for (const old of handle.svg.querySelectorAll(".selected")) old.classList.remove("selected");
  const s = state.selected;
  if (!s) return;
  const element = s.kind === "node" ? handle.nodes.get(s.id)
    : (handle.links.get(`${s.sourceId}\u0000${s.targetId}`) || {}).g;
  if (element) element.classList.add("selected");
}

// --- details -----------------------------------------------------------------------

function closeDetails() {
  show($("details"), false);
  $("details-body").replaceChildren();
}

async function select(selection) {
  state.selected = selection;
  markSelected();
  const panel = $("details");
  show(panel, true);
  const { environment, id, handle } = state.clique;
  try {
    if (selection.kind === "node") {
      const node = handle && handle.byId.get(selection.id);
      $("details-title").textContent = node ? `${node.type} details` : "Object details";
      await showNode($("details-body"), environment, selection.id, { current: id });
    } else {
      $("details-title").textContent = "Link details";
      await showLink($("details-body"), environment, selection, {
        nameOf: handle ? handle.nameOf : (x) => x,
        onNode: (nodeId) => select({ kind: "node", id: nodeId }),
      });
    }
  } catch (error) {
    failed(error);
  }
}

$("details-close").addEventListener("click", () => {
  const s = state.selected;
  state.selected = null;
  markSelected();
  closeDetails();
  const handle = state.clique && state.clique.handle;
  if (s && s.kind === "node" && handle && handle.nodes.get(s.id)) handle.nodes.get(s.id).focus();
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !$("details").hidden && !$("search-input").matches(":focus")) {
    $("details-close").click();
  }
});

// --- the dashboard -----------------------------------------------------------------

async function showDashboard(environment) {
  state.dashboardEnv = environment;
  $("env-picker").value = environment;
  $("tab-dashboard").href = `#/dashboard/${encodeURIComponent(environment)}`;
  $("dashboard-title").textContent = "Environment";
  await refreshDashboard();
}

async function refreshDashboard() {
  const environment = state.dashboardEnv;
  if (!environment) return;
  try {
    const data = await loadDashboard(environment);
    if (environment !== state.dashboardEnv) return;
    renderDashboard($("dash-body"), environment, data);
    $("dash-updated").textContent = `updated ${new Date().toLocaleTimeString(undefined, { hourCycle: "h23" })}`;
  } catch (error) {
    if (!failed(error)) {
      $("dash-body").replaceChildren(h("p", { class: "error" }, `Could not load the dashboard: ${error.message}`));
    }
  }
}

$("env-picker").addEventListener("change", (event) => {
  location.hash = `#/dashboard/${encodeURIComponent(event.target.value)}`;
});

// --- live updates ------------------------------------------------------------------

function liveEnvironments() {
  const wanted = new Set();
  if (state.clique) wanted.add(state.clique.environment);
  if (state.view === "dashboard" && state.dashboardEnv) wanted.add(state.dashboardEnv);
  return wanted;
}

function subscribeLive() {
  if (!state.live) return;
  const wanted = liveEnvironments();
  for (const [environment, stops] of state.subscriptions) {
    if (!wanted.has(environment)) {
      stops.forEach((stop) => stop());
      state.subscriptions.delete(environment);
    }
  }
  for (const environment of wanted) {
    if (state.subscriptions.has(environment)) continue;
    const stops = [state.live.subscribe(STATUS_CHANGED, { environment }, {
      next: (data) => onStatus(data.statusChanged),
      error: (errors) => console.warn("statusChanged refused:", errors),
    })];
    if (state.topologyFeed) {
      stops.push(state.live.subscribe(TOPOLOGY_CHANGED, { environment }, {
        next: (data) => onTopology(data.topologyChanged),
        error: (errors) => {
          state.topologyFeed = false; // this server has no topologyChanged: status only
          console.info("topologyChanged is not available on this server; status updates only:",
            errors.map((e) => e.message).join("; "));
        },
      }));
    }
    state.subscriptions.set(environment, stops);
  }
}

function onStatus(change) {
  if (state.view === "dashboard" && change.environment === state.dashboardEnv) {
    later("dashboard", DASHBOARD_DELAY, refreshDashboard);
  }
  const clique = state.clique;
  if (!clique || !clique.handle || change.environment !== clique.environment) return;
  const changed = applyStatus(clique.handle, change);
  if (!changed) return;
  const label = STATUS_LABEL[statusClass(change.status, change.statusValue)];
  announce(changed.kind === "node"
    ? `${changed.item.type} ${changed.item.name || changed.item.id} is now ${label}`
    : `link ${changed.item.linkType} is now ${label}`);
  const s = state.selected;
  const same = s && (s.kind === "node" ? change.kind === "OBJECT" && change.objectId === s.id
    : change.kind === "LINK" && change.sourceId === s.sourceId && change.targetId === s.targetId);
  if (same) later("details", 300, () => select(s));
}

function onTopology(change) {
  if (state.view === "dashboard" && change.environment === state.dashboardEnv) {
    later("dashboard", DASHBOARD_DELAY, refreshDashboard);
  }
  const clique = state.clique;
  if (!clique || change.environment !== clique.environment) return;
  const drawn = new Set(clique.data.clique ? clique.data.clique.nodes.map((n) => n.id) : [clique.id]);
  const touches = (ends) => ends.some((l) => drawn.has(l.sourceId) || drawn.has(l.targetId));
  const relevant = change.truncated
    || change.objectsChanged.some((id) => drawn.has(id))
    || change.objectsRemoved.some((id) => drawn.has(id))
    || touches(change.linksAdded) || touches(change.linksChanged) || touches(change.linksRemoved);
  if (relevant) later("refetch", REFETCH_DELAY, refetchClique);
}

function refetchClique() {
  if (state.clique) loadClique(state.clique.environment, state.clique.id, { keep: true });
}

// --- start -------------------------------------------------------------------------

if (token.get()) start();
else showLogin();
