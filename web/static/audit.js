// The audit log: filtered pages of events, newest first, and the exports.
import { api, el, formatDateTime } from "./dom.js";

const PAGE_SIZE = 50;
const ROLE_LABELS = { rutingrupp: "Rutingrupp", handlaggare: "Handläggare", admin: "Administratör" };
const filterForm = document.getElementById("audit-filter");
const csvLink = document.getElementById("export-csv");
const jsonlLink = document.getElementById("export-jsonl");
const listStatus = document.getElementById("audit-status");
const tableBody = document.getElementById("audit-body");
const newer = document.getElementById("page-newer");
const older = document.getElementById("page-older");
let offset = 0;

function filterParams() {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(filterForm)) if (String(value).trim()) params.set(key, String(value).trim());
  return params;
}

function cell(text, className) {
  return el("td", { className, text: text === null || text === undefined || text === "" ? "–" : text });
}

function detailText(detail) {
  return Object.entries(detail || {})
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(", ") : value}`)
    .join("; ");
}

function eventRow(event) {
  const actor = event.actor_name ? `${event.actor_name} (${event.actor})` : event.actor;
  return el("tr", {}, [
    cell(formatDateTime(event.occurred_at)),
    cell(event.action_label),
    el("td", {}, el("code", { text: actor })),
    cell(ROLE_LABELS[event.role] || event.role),
    el("td", {}, event.target ? el("code", { text: event.target }) : "–"),
    cell(detailText(event.detail)),
  ]);
}

async function loadEvents() {
  const params = filterParams();
  const query = params.toString() ? `?${params}` : "";
  csvLink.href = `/api/audit/export.csv${query}`;
  jsonlLink.href = `/api/audit/export.jsonl${query}`;
  params.set("limit", String(PAGE_SIZE));
  params.set("offset", String(offset));
  listStatus.textContent = "Hämtar …";
  try {
    const page = await api(`/api/audit?${params}`);
    tableBody.replaceChildren(...page.events.map(eventRow));
    const last = offset + page.events.length;
    listStatus.textContent = page.total
      ? `Händelse ${offset + 1}–${last} av ${page.total}, nyaste först.`
      : "Inga händelser med de valda filtren.";
    newer.disabled = offset === 0;
    older.disabled = last >= page.total;
  } catch (error) {
    listStatus.textContent = error.message;
  }
}

filterForm.addEventListener("submit", (event) => {
  event.preventDefault();
  offset = 0;
  loadEvents();
});
newer.addEventListener("click", () => {
  offset = Math.max(0, offset - PAGE_SIZE);
  loadEvents();
});
older.addEventListener("click", () => {
  offset += PAGE_SIZE;
  loadEvents();
});
loadEvents();
