// Small helpers for the page: elements built from data with text nodes only (never HTML
// from data), times, status badges.

import { STATUS_LABEL, STATUS_SYMBOL, statusClass } from "./layout.js";

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else {
      node.setAttribute(name, value === true ? "" : value);
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

// An ISO 8601 time (Neo4j writes nanoseconds and sometimes a zone name) as a Date.
export function parseTime(iso) {
  if (!iso) return null;
  const text = String(iso).replace(/\[[^\]]*\]$/, "").replace(/(\.\d{3})\d+/, "$1");
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function ago(date, now = new Date()) {
  const seconds = Math.round((now - date) / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 90) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

// "5 Dec 2026, 21:40:05 (3 min ago)", or "" without a time.
export function when(iso) {
  const date = parseTime(iso);
  if (!date) return iso ? String(iso) : "";
  const text = date.toLocaleString(undefined, {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23",
  });
  return `${text} (${ago(date)})`;
}

// A status as a coloured badge with a symbol and the word (colour is never the only cue).
export function statusBadge(status, statusValue) {
  const cls = statusClass(status, statusValue);
  return h("span", { class: `status-badge status-${cls}` },
    h("span", { class: "status-symbol", "aria-hidden": "true" }, STATUS_SYMBOL[cls]),
    STATUS_LABEL[cls]);
}

export function show(element, visible) {
  element.hidden = !visible;
}

// The address of an object's clique in the viewer.
export function cliqueHash(environment, id) {
  return `#/clique/${encodeURIComponent(environment)}/${encodeURIComponent(id)}`;
}
