// The routine group's documents: in force and retired, ingest failures, and the actions
// Avveckla (kept, no longer used), Återaktivera, Ta bort (asks first) and dismissing a failure.
import { announce, api, el, formatDate, formatDateTime, sourceLink, typeLabel } from "./dom.js";
import { uploadForm } from "./upload_form.js";

const tableBody = document.getElementById("documents-body");
const retiredBody = document.getElementById("retired-body");
const retiredWrap = document.getElementById("retired-wrap");
const retiredEmpty = document.getElementById("retired-empty");
const listStatus = document.getElementById("documents-status");
const failuresRoot = document.getElementById("failures");
const failuresStatus = document.getElementById("failures-status");
const retireDialog = document.getElementById("retire-dialog");
const deleteDialog = document.getElementById("delete-dialog");

function cell(text, className) {
  return el("td", { className, text: text === null || text === undefined || text === "" ? "–" : text });
}

function actionButton(label, name, className, onClick) {
  const button = el("button", { type: "button", className: `${className} small`, "aria-label": name }, label);
  button.addEventListener("click", () => onClick(button));
  return button;
}

function titleCell(doc, badge = null) {
  return el("td", { className: "doc-title" }, [
    sourceLink(`/api/documents/${encodeURIComponent(doc.id)}/file`, doc.title),
    el("span", { className: "file-name", text: doc.file_name }),
    badge,
    doc.groups && doc.groups.length
      ? el("span", { className: "file-name doc-groups", text: `Bara för: ${doc.groups.join(", ")}` })
      : null,
  ]);
}

function actions(doc) {
  const buttons = [];
  if (doc.retired && doc.retired_at) {
    buttons.push(actionButton("Återaktivera", `Återaktivera ${doc.title}`, "secondary", () => reactivate(doc)));
  } else if (!doc.retired) {
    buttons.push(actionButton("Avveckla", `Avveckla ${doc.title}`, "secondary", (b) => confirmRetire(doc, b)));
  }
  buttons.push(actionButton("Ta bort", `Ta bort ${doc.title}`, "danger", (b) => confirmDelete(doc, b)));
  return el("td", {}, el("div", { className: "row-actions" }, buttons));
}

function inForceRow(doc) {
  return el("tr", { "data-document": doc.id }, [
    titleCell(doc),
    cell(typeLabel(doc.type)),
    cell(doc.version),
    cell(doc.valid_from ? formatDate(doc.valid_from) : null),
    cell(doc.valid_to ? formatDate(doc.valid_to) : "Tills vidare"),
    cell(doc.owner),
    cell(String(doc.chunk_count), "number"),
    cell(formatDateTime(doc.ingested_at)),
    actions(doc),
  ]);
}

function retiredRow(doc) {
  const how = doc.retired_at
    ? `Avvecklat ${formatDateTime(doc.retired_at)}`
    : "Enligt dokumentets giltighetstid";
  return el("tr", { "data-document": doc.id }, [
    titleCell(doc, el("span", { className: "badge status-avvisad", text: "Avvecklad" })),
    cell(typeLabel(doc.type)),
    cell(doc.version),
    cell(doc.valid_to ? formatDate(doc.valid_to) : null),
    cell(how),
    actions(doc),
  ]);
}

async function loadDocuments() {
  listStatus.textContent = "Hämtar …";
  try {
    const docs = await api("/api/documents");
    const inForce = docs.filter((d) => !d.retired);
    const retired = docs.filter((d) => d.retired);
    tableBody.replaceChildren(...inForce.map(inForceRow));
    retiredBody.replaceChildren(...retired.map(retiredRow));
    retiredWrap.hidden = !retired.length;
    retiredEmpty.hidden = retired.length > 0;
    listStatus.textContent = `${inForce.length} dokument i kraft, ${retired.length} avvecklade.`;
  } catch (error) {
    listStatus.textContent = error.message;
  }
}

function failureItem(failure) {
  const dismiss = actionButton("Ta bort från listan", `Ta bort ${failure.file_name} från listan`,
    "secondary", () => dismissFailure(failure));
  return el("li", {}, [
    el("strong", { text: failure.file_name }), el("span", { text: ` – ${failure.message} ` }),
    el("span", { className: "hint", text: `(${formatDateTime(failure.failed_at)})` }), " ", dismiss,
  ]);
}

async function loadFailures() {
  try {
    const failures = await api("/api/documents/failures");
    failuresRoot.replaceChildren(failures.length
      ? el("ul", { className: "failures" }, failures.map(failureItem))
      : el("p", { className: "ok-text", text: "Inga fel vid senaste inläsningen." }));
  } catch (error) {
    failuresRoot.replaceChildren(el("p", { className: "error", text: error.message }));
  }
}

async function dismissFailure(failure) {
  try {
    await api(`/api/documents/failures/${encodeURIComponent(failure.id)}`, { method: "DELETE" });
    await loadFailures();
    announce(failuresStatus, `${failure.file_name} är borttagen från listan. Filen listas igen om den misslyckas vid en senare inläsning.`);
  } catch (error) {
    failuresStatus.textContent = error.message;
  }
  failuresStatus.focus();
}

function confirm(dialog, onConfirm, trigger) {
  dialog.returnValue = "";
  dialog.onclose = () => {
    if (dialog.returnValue === "confirm") onConfirm();
    else trigger.focus();
  };
  dialog.showModal();
}

function confirmRetire(doc, button) {
  document.getElementById("retire-text").textContent = `”${doc.title}” (${doc.file_name}) slutar gälla `
    + "i dag och används inte längre i svaren. Dokumentet finns kvar bland de avvecklade, citat ur "
    + "det märks med att det inte längre gäller, och du kan återaktivera det.";
  confirm(retireDialog, () => change(doc, "retire", "är avvecklat och används inte längre i svaren."), button);
}

function confirmDelete(doc, button) {
  document.getElementById("delete-text").textContent = `”${doc.title}” (${doc.file_name}) och alla `
    + "dess avsnitt tas bort ur Rutinstöd. Det går inte att ångra. En uppladdad fil raderas. Ligger "
    + "originalet i rutinmappen läses det in igen vid nästa inläsning av mappen, om det inte tas bort där.";
  confirm(deleteDialog, () => remove(doc), button);
}

async function change(doc, action, done) {
  try {
    await api(`/api/documents/${encodeURIComponent(doc.id)}/${action}`, { method: "POST" });
    await loadDocuments();
    listStatus.textContent = `${doc.title} ${done}`;
  } catch (error) {
    listStatus.textContent = error.message;
  }
  listStatus.focus();
}

function reactivate(doc) {
  change(doc, "reactivate", "är återaktiverat och används i svaren igen.");
}

async function remove(doc) {
  try {
    await api(`/api/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
    await loadDocuments();
    listStatus.textContent = `${doc.title} är borttaget.`;
  } catch (error) {
    listStatus.textContent = error.message;
  }
  listStatus.focus();
}

uploadForm(() => Promise.all([loadDocuments(), loadFailures()]));
loadDocuments();
loadFailures();
