// The routine group's gap review: topics, their workflow status, filters, search by
// reference, merging topics, CSV export, and the check after a topic is marked åtgärdad.
import { announce, api, el, formatDateTime, sourceLink } from "./dom.js";
import { gapEntries } from "./gap_entries.js";
import { recheckBlock } from "./recheck.js";

const STATUSES = ["ny", "under behandling", "åtgärdad", "avvisad"];
const filterForm = document.getElementById("gap-filter");
const exportLink = document.getElementById("export-link");
const listStatus = document.getElementById("gaps-status");
const topicsRoot = document.getElementById("topics");
const refInput = document.getElementById("filter-ref");
let documents = [];
let allTopics = [];
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
    result.textContent = saved.rechecking
      ? `Sparat: ${statusLabel(saved.status)}. Ämnets frågor ställs nu igen.`
      : `Sparat: ${statusLabel(saved.status)}.`;
    onSaved(saved);
  } catch (error) {
    result.className = "save-result error";
    result.textContent = error.message;
  }
}

function facts(topic) {
  const item = (term, value) => el("div", {}, [el("dt", { text: term }), el("dd", { text: value })]);
  return el("dl", { className: "facts inline" }, [
    item("Antal frågor", String(topic.count)),
    item("Obesvarade", String(topic.kinds["obesvarad"] || 0)),
    item("Inte hjälpsamt", String(topic.kinds["inte hjälpsamt"] || 0)),
    item("Först", formatDateTime(topic.first_seen)),
    item("Senast", formatDateTime(topic.last_seen)),
  ]);
}

function listSection(title, items) {
  if (!items.length) return null;
  return el("div", { className: "topic-list" }, [el("h3", { text: title }), el("ul", {}, items)]);
}

function mergeForm(topic, others) {
  const id = `merge-${++counter}`;
  const select = el("select", { id, name: "into" }, [el("option", { value: "" }, "Välj ämne"),
    ...others.map((t) => el("option", { value: t.id }, `${t.label} (${t.count})`))]);
  const result = el("p", { className: "action-result", role: "status" });
  const form = el("form", { className: "merge-form" }, [
    el("label", { for: id, text: "Slå ihop med ämnet" }), select,
    el("button", { type: "submit", className: "secondary", text: "Slå ihop" }), result,
  ]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!select.value) {
      result.className = "action-result error";
      result.textContent = "Välj det ämne som frågorna ska flyttas till.";
      select.focus();
      return;
    }
    try {
      const kept = await api(`/api/gaps/topics/${encodeURIComponent(topic.id)}/merge`,
        { json: { into: select.value } });
      const label = others.find((t) => t.id === kept.id)?.label || "";
      await changed(kept.id, `Ämnena är sammanslagna under ”${label}”.`);
    } catch (error) {
      result.className = "action-result error";
      result.textContent = error.message;
    }
  });
  if (!others.length) return null;
  return el("div", { className: "topic-list" }, [el("h3", { text: "Slå ihop ämnen" }),
    el("p", { className: "hint", text: "Frågorna flyttas till det valda ämnet, och det här ämnet tas bort." }), form]);
}

function topicCard(topic, matchRef) {
  const headingId = `topic-h-${++counter}`;
  const head = el("div", { className: "topic-head" }, [
    el("h2", { id: headingId, tabindex: "-1", text: topic.label }), badge(topic.status)]);
  const recheck = recheckBlock(topic);
  const onSaved = (saved) => {
    head.replaceChild(badge(saved.status), head.lastChild);
    if (saved.rechecking) {
      recheck.element.hidden = false;
      recheck.start();
    }
  };
  const others = allTopics.filter((t) => t.id !== topic.id);
  const nearest = topic.nearest.map((n) => el("li", {}, [sourceLink(n.url, n.title),
    n.section ? el("span", { className: "source-desc", text: ` – ${n.section}` }) : null]));
  return el("article", { className: "topic card", "aria-labelledby": headingId, "data-topic": topic.id }, [
    head, facts(topic),
    gapEntries(topic, others, { matchRef, onChanged: changed }),
    recheck.element,
    el("div", { className: "topic-columns" }, [
      listSection("Närmaste dokument", nearest),
      mergeForm(topic, others),
    ]),
    topicForm(topic, onSaved),
  ]);
}

function summary(topics, ref) {
  if (ref) {
    return topics.length
      ? `Referens ${ref} finns i ämnet ”${topics[0].label}”.`
      : `Ingen lucka med referensen ${ref} matchar filtren.`;
  }
  return topics.length
    ? `${topics.length} ${topics.length === 1 ? "ämne" : "ämnen"}.`
    : "Inga luckor med de valda filtren.";
}

async function loadTopics() {
  const query = filterQuery();
  const ref = refInput.value.trim().toUpperCase().replace(/[\s#-]+/g, "");
  exportLink.href = `/api/gaps/export.csv${query}`;
  listStatus.textContent = "Hämtar …";
  try {
    const topics = await api(`/api/gaps/topics${query}`);
    allTopics = query ? await api("/api/gaps/topics") : topics;
    refInput.removeAttribute("aria-invalid");
    topicsRoot.replaceChildren(...topics.map((t) => topicCard(t, ref || null)));
    announce(listStatus, summary(topics, ref));
    topicsRoot.querySelector(".gap-entry.match")?.scrollIntoView({ block: "center" });
    return topics;
  } catch (error) {
    if (error.status === 422 && ref) refInput.setAttribute("aria-invalid", "true");
    listStatus.textContent = error.message;
    return [];
  }
}

// After a merge or a move: reload, say what happened and put focus on the topic that kept the gaps.
async function changed(topicId, message) {
  await loadTopics();
  announce(listStatus, message);
  const heading = topicsRoot.querySelector(`[data-topic="${CSS.escape(topicId)}"] h2`);
  if (heading) heading.focus();
  else listStatus.focus();
}

async function start() {
  const ref = new URLSearchParams(location.search).get("ref");
  if (ref) refInput.value = ref;
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
