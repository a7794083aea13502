// The routine group's gap review: topics, their workflow status, filters and CSV export.
import { api, el, formatDateTime, sourceLink } from "./dom.js";

const STATUSES = ["ny", "under behandling", "åtgärdad", "avvisad"];
const filterForm = document.getElementById("gap-filter");
const exportLink = document.getElementById("export-link");
const listStatus = document.getElementById("gaps-status");
const topicsRoot = document.getElementById("topics");
let documents = [];
let counter = 0;

function statusLabel(status) {
  return status ? status[0].toUpperCase() + status.slice(1) : "";
}

function badge(status) {
  const slug = status.normalize("NFD").replace(/[^a-z ]/g, "").replace(/ /g, "-");
  return el("span", { className: `badge status-${slug}`, text: statusLabel(status) });
}

function filterQuery() {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(filterForm)) if (value) params.set(key, value);
  const query = params.toString();
  return query ? `?${query}` : "";
}

function field(id, label, control, hint) {
  control.id = id;
  const hintNode = hint ? el("p", { className: "hint", id: `${id}-hint`, text: hint }) : null;
  if (hint) control.setAttribute("aria-describedby", `${id}-hint`);
  return el("div", { className: "field" }, [el("label", { for: id, text: label }), control, hintNode]);
}

function statusSelect(current) {
  return el("select", { name: "status" }, STATUSES.map((s) =>
    el("option", { value: s, selected: s === current }, statusLabel(s))));
}

function documentSelect(current) {
  const options = [el("option", { value: "" }, "Välj dokument")];
  for (const doc of documents) {
    options.push(el("option", { value: doc.file_name, selected: doc.file_name === current },
      `${doc.title} (${doc.file_name})`));
  }
  if (current && !documents.some((d) => d.file_name === current)) {
    options.push(el("option", { value: current, selected: true }, current));
  }
  return el("select", { name: "resolving_document" }, options);
}

function topicForm(topic, onSaved) {
  const id = `topic-${++counter}`;
  const status = statusSelect(topic.status);
  const owner = el("input", { type: "text", name: "owner", maxlength: "200", value: topic.owner || "" });
  const resolving = documentSelect(topic.resolving_document);
  const note = el("textarea", { name: "note", rows: "2", maxlength: "4000" });
  note.value = topic.note || "";
  const resolvingField = field(`${id}-doc`, "Dokument som nu täcker ämnet", resolving);
  const result = el("p", { className: "save-result", role: "status" });
  const form = el("form", { className: "topic-form" }, [
    el("div", { className: "form-grid" }, [
      field(`${id}-status`, "Status", status),
      field(`${id}-owner`, "Ansvarig", owner, "Ange funktion, t.ex. enhetschef. Personnamn tas bort."),
      resolvingField,
    ]),
    field(`${id}-note`, "Anteckning", note),
    el("div", { className: "actions" }, [el("button", { type: "submit", className: "primary", text: "Spara" }), result]),
  ]);
  const sync = () => { resolvingField.hidden = status.value !== "åtgärdad"; };
  status.addEventListener("change", sync);
  sync();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveTopic(topic, { status, owner, resolving, note }, result, onSaved);
  });
  return form;
}

async function saveTopic(topic, controls, result, onSaved) {
  const resolved = controls.status.value === "åtgärdad";
  if (resolved && !controls.resolving.value) {
    result.className = "save-result error";
    result.textContent = "Välj det dokument som nu täcker ämnet.";
    controls.resolving.setAttribute("aria-invalid", "true");
    controls.resolving.focus();
    return;
  }
  controls.resolving.removeAttribute("aria-invalid");
  const body = {
    status: controls.status.value,
    owner: controls.owner.value.trim(),
    note: controls.note.value.trim(),
    resolving_document: resolved ? controls.resolving.value : "",
  };
  try {
    const saved = await api(`/api/gaps/topics/${encodeURIComponent(topic.id)}`,
      { method: "PATCH", json: body });
    controls.owner.value = saved.owner || "";
    controls.note.value = saved.note || "";
    result.className = "save-result ok";
    result.textContent = `Sparat: ${statusLabel(saved.status)}.`;
    onSaved(saved.status);
  } catch (error) {
    result.className = "save-result error";
    result.textContent = error.message;
  }
}

function facts(topic) {
  const item = (term, value) => el("div", {}, [el("dt", { text: term }), el("dd", { text: value })]);
  return el("dl", { className: "facts inline" }, [
    item("Antal frågor", String(topic.count)),
    item("Först", formatDateTime(topic.first_seen)),
    item("Senast", formatDateTime(topic.last_seen)),
  ]);
}

function listSection(title, items) {
  if (!items.length) return null;
  return el("div", { className: "topic-list" }, [el("h3", { text: title }), el("ul", {}, items)]);
}

function topicCard(topic) {
  const headingId = `topic-h-${++counter}`;
  const head = el("div", { className: "topic-head" }, [
    el("h2", { id: headingId, text: topic.label }), badge(topic.status)]);
  const onSaved = (status) => head.replaceChild(badge(status), head.lastChild);
  const examples = topic.examples.map((q) => el("li", { text: q }));
  const nearest = topic.nearest.map((n) => el("li", {}, [sourceLink(n.url, n.title),
    n.section ? el("span", { className: "source-desc", text: ` – ${n.section}` }) : null]));
  const ids = el("details", { className: "gap-ids" }, [
    el("summary", { text: `Ärende-id (${topic.gap_ids.length})` }),
    el("ul", {}, topic.gap_ids.map((id) => el("li", {}, el("code", { text: id })))),
  ]);
  return el("article", { className: "topic card", "aria-labelledby": headingId }, [
    head, facts(topic),
    el("div", { className: "topic-columns" }, [
      listSection("Exempel på frågor", examples),
      listSection("Närmaste dokument", nearest),
    ]),
    topicForm(topic, onSaved), ids,
  ]);
}

async function loadTopics() {
  const query = filterQuery();
  exportLink.href = `/api/gaps/export.csv${query}`;
  listStatus.textContent = "Hämtar …";
  try {
    const topics = await api(`/api/gaps/topics${query}`);
    topicsRoot.replaceChildren(...topics.map(topicCard));
    listStatus.textContent = topics.length
      ? `${topics.length} ${topics.length === 1 ? "ämne" : "ämnen"}.`
      : "Inga luckor med de valda filtren.";
  } catch (error) {
    listStatus.textContent = error.message;
  }
}

async function start() {
  try {
    documents = await api("/api/documents");
  } catch {
    documents = [];
  }
  await loadTopics();
}

filterForm.addEventListener("submit", (event) => {
  event.preventDefault();
  loadTopics();
});
start();
