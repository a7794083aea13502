// The routine group's documents: list, ingest failures, upload and retirement.
import { api, el, formatDate, formatDateTime, sourceLink, typeLabel } from "./dom.js";

const tableBody = document.getElementById("documents-body");
const listStatus = document.getElementById("documents-status");
const failuresRoot = document.getElementById("failures");
const uploadForm = document.getElementById("upload-form");
const uploadButton = document.getElementById("upload-button");
const uploadResult = document.getElementById("upload-result");
const dialog = document.getElementById("retire-dialog");
const dialogText = document.getElementById("retire-text");

function cell(text, className) {
  return el("td", { className, text: text === null || text === undefined || text === "" ? "–" : text });
}

function retireButton(doc) {
  const button = el("button", { type: "button", className: "danger small",
    "aria-label": `Avveckla ${doc.title}` }, "Avveckla");
  button.addEventListener("click", () => confirmRetire(doc, button));
  return button;
}

function documentRow(doc) {
  const title = el("td", { className: "doc-title" }, [
    sourceLink(`/api/documents/${encodeURIComponent(doc.id)}/file`, doc.title),
    el("span", { className: "file-name", text: doc.file_name }),
    doc.retired ? el("span", { className: "badge status-avvisad", text: "Upphört att gälla" }) : null,
    doc.groups && doc.groups.length
      ? el("span", { className: "file-name doc-groups", text: `Bara för: ${doc.groups.join(", ")}` })
      : null,
  ]);
  return el("tr", { "data-document": doc.id }, [
    title,
    cell(typeLabel(doc.type)),
    cell(doc.version),
    cell(doc.valid_from ? formatDate(doc.valid_from) : null),
    cell(doc.owner),
    cell(String(doc.chunk_count), "number"),
    cell(formatDateTime(doc.ingested_at)),
    el("td", {}, retireButton(doc)),
  ]);
}

async function loadDocuments() {
  listStatus.textContent = "Hämtar …";
  try {
    const docs = await api("/api/documents");
    tableBody.replaceChildren(...docs.map(documentRow));
    listStatus.textContent = `${docs.length} dokument i indexet.`;
  } catch (error) {
    listStatus.textContent = error.message;
  }
}

async function loadFailures() {
  try {
    const failures = await api("/api/documents/failures");
    if (!failures.length) {
      failuresRoot.replaceChildren(el("p", { className: "ok-text", text: "Inga fel vid senaste inläsningen." }));
      return;
    }
    failuresRoot.replaceChildren(el("ul", { className: "failures" }, failures.map((f) =>
      el("li", {}, [el("strong", { text: f.file_name }), el("span", { text: ` – ${f.message} ` }),
        el("span", { className: "hint", text: `(${formatDateTime(f.failed_at)})` })]))));
  } catch (error) {
    failuresRoot.replaceChildren(el("p", { className: "error", text: error.message }));
  }
}

function showResult(kind, text) {
  uploadResult.className = `result ${kind}`;
  uploadResult.replaceChildren(el("p", { text }));
}

async function upload(event) {
  event.preventDefault();
  const input = uploadForm.querySelector("input[type=file]");
  if (!input.files.length) {
    showResult("error", "Välj en fil att ladda upp.");
    input.focus();
    return;
  }
  uploadButton.disabled = true;
  showResult("pending", `Läser in ${input.files[0].name} … det kan ta en stund.`);
  try {
    const outcome = await api("/api/documents", { method: "POST", body: new FormData(uploadForm) });
    showResult("ok", `${outcome.file_name} är inläst (${outcome.chunks} avsnitt). ${outcome.message || ""}`.trim());
    uploadForm.reset();
    await Promise.all([loadDocuments(), loadFailures()]);
  } catch (error) {
    showResult("error", error.message);
    await loadFailures();
  } finally {
    uploadButton.disabled = false;
  }
}

function confirmRetire(doc, button) {
  dialogText.textContent = `”${doc.title}” (${doc.file_name}) tas bort ur indexet och används inte längre i svaren. `
    + "En uppladdad fil raderas. Ligger originalet i rutinmappen läses det in igen vid nästa "
    + "inläsning av mappen, om det inte tas bort där.";
  dialog.returnValue = "";
  dialog.onclose = () => {
    if (dialog.returnValue === "confirm") retire(doc);
    else button.focus();
  };
  dialog.showModal();
}

async function retire(doc) {
  try {
    await api(`/api/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
    await loadDocuments();
    listStatus.textContent = `${doc.title} är avvecklat och används inte längre i svaren.`;
    listStatus.focus();
  } catch (error) {
    listStatus.textContent = error.message;
  }
}

uploadForm.addEventListener("submit", upload);
loadDocuments();
loadFailures();
