// The upload form: choose a file, read its metadata on the server (nothing is stored),
// edit and confirm, then upload. Field errors from the server are shown at each field
// and in a summary that takes focus.
import { api, ApiError, el, errorMessage } from "./dom.js";

const chooseForm = document.getElementById("choose-form");
const fileInput = document.getElementById("upload-file");
const previewButton = document.getElementById("preview-button");
const metaForm = document.getElementById("meta-form");
const metaHeading = document.getElementById("meta-title-heading");
const fileName = document.getElementById("meta-file-name");
const replaces = document.getElementById("meta-replaces");
const notes = document.getElementById("meta-notes");
const errorBox = document.getElementById("meta-errors");
const errorList = document.getElementById("meta-errors-list");
const uploadButton = document.getElementById("upload-button");
const cancelButton = document.getElementById("meta-cancel");
const result = document.getElementById("upload-result");
// Form field name -> the input's id; the server names fields in each error's loc.
const FIELDS = {
  title: "meta-title", type: "meta-type", owner: "meta-owner", version: "meta-version",
  valid_from: "meta-valid-from", valid_to: "meta-valid-to",
};
let chosen = null;

function showResult(kind, text) {
  result.className = `result ${kind}`;
  result.replaceChildren(text ? el("p", { text }) : "");
}

function clearErrors() {
  errorBox.hidden = true;
  errorList.replaceChildren();
  for (const [name, id] of Object.entries(FIELDS)) {
    document.getElementById(id).removeAttribute("aria-invalid");
    const message = document.getElementById(`meta-${name}-error`);
    message.hidden = true;
    message.textContent = "";
  }
}

function showErrors(errors) {
  clearErrors();
  for (const { name, message } of errors) {
    const input = document.getElementById(FIELDS[name]);
    input.setAttribute("aria-invalid", "true");
    const text = document.getElementById(`meta-${name}-error`);
    text.textContent = message;
    text.hidden = false;
    const link = el("a", { href: `#${FIELDS[name]}`, text: message });
    link.addEventListener("click", (event) => {
      event.preventDefault();
      input.focus();
    });
    errorList.append(el("li", {}, link));
  }
  errorBox.hidden = false;
  errorBox.focus();
}

function fill(preview) {
  fileName.textContent = preview.file_name;
  metaForm.elements.title.value = preview.title || "";
  metaForm.elements.type.value = preview.type || "övrigt";
  metaForm.elements.owner.value = preview.owner || "";
  metaForm.elements.version.value = preview.version || "";
  metaForm.elements.valid_from.value = preview.valid_from || "";
  metaForm.elements.valid_to.value = preview.valid_to || "";
  metaForm.elements.groups.value = (preview.groups || []).join(", ");
  replaces.hidden = !preview.replaces;
  replaces.textContent = preview.replaces
    ? `Filen ersätter det inlästa dokumentet ”${preview.replaces.title}”.` : "";
  const extra = preview.notes.filter((n) => !preview.replaces || !n.startsWith("Filen ersätter"));
  notes.replaceChildren(...extra.map((n) => el("li", { text: n })));
  notes.hidden = !extra.length;
}

async function preview(event) {
  event.preventDefault();
  if (!fileInput.files.length) {
    showResult("error", "Välj en fil att ladda upp.");
    fileInput.setAttribute("aria-invalid", "true");
    fileInput.focus();
    return;
  }
  fileInput.removeAttribute("aria-invalid");
  chosen = fileInput.files[0];
  previewButton.disabled = true;
  showResult("pending", `Läser uppgifterna i ${chosen.name} …`);
  try {
    const body = new FormData();
    body.append("file", chosen);
    const found = await api("/api/documents/preview", { method: "POST", body });
    clearErrors();
    fill(found);
    showResult("", "");
    metaForm.hidden = false;
    metaHeading.focus();
  } catch (error) {
    showResult("error", error.message);
  } finally {
    previewButton.disabled = false;
  }
}

// POST the confirmed form; a 422 with field errors is shown at the fields.
async function send() {
  const body = new FormData(metaForm);
  body.append("file", chosen);
  const response = await fetch("/api/documents", { method: "POST", body, credentials: "same-origin" });
  if (response.ok) return response.json();
  const copy = response.clone();
  let detail = null;
  try {
    detail = (await copy.json()).detail;
  } catch {
    detail = null;
  }
  const fields = Array.isArray(detail)
    ? detail.filter((d) => FIELDS[d.loc?.[d.loc.length - 1]]).map((d) => ({
      name: d.loc[d.loc.length - 1], message: d.msg }))
    : [];
  if (fields.length) return { fieldErrors: fields };
  throw new ApiError(await errorMessage(response), response.status);
}

function reset() {
  chosen = null;
  chooseForm.reset();
  metaForm.reset();
  metaForm.hidden = true;
  clearErrors();
}

export function uploadForm(onUploaded) {
  chooseForm.addEventListener("submit", preview);
  fileInput.addEventListener("change", () => {
    metaForm.hidden = true;
    clearErrors();
  });
  cancelButton.addEventListener("click", () => {
    reset();
    showResult("", "");
    fileInput.focus();
  });
  metaForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!chosen) return;
    uploadButton.disabled = true;
    showResult("pending", `Läser in ${chosen.name} … det kan ta en stund.`);
    try {
      const outcome = await send();
      if (outcome.fieldErrors) {
        showResult("error", "Dokumentet laddades inte upp. Rätta uppgifterna.");
        showErrors(outcome.fieldErrors);
        return;
      }
      reset();
      showResult("ok", `${outcome.file_name} är inläst (${outcome.chunks} avsnitt).`);
      await onUploaded();
    } catch (error) {
      showResult("error", error.message);
      await onUploaded();
    } finally {
      uploadButton.disabled = false;
    }
  });
}
