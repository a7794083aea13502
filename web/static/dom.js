// DOM and HTTP helpers shared by the pages. Text from the server or the user is only
// ever set with textContent or text nodes, never parsed as HTML.

export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "className") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function safeHref(url) {
  if (typeof url !== "string") return null;
  if (url.startsWith("/") && !url.startsWith("//")) return url;
  return /^https?:\/\//i.test(url) ? url : null;
}

export function sourceLink(url, label) {
  const href = safeHref(url);
  if (!href) return el("span", { text: label });
  return el("a", { href, target: "_blank", rel: "noopener" }, [
    label,
    el("span", { className: "visually-hidden", text: " (öppnas i ny flik)" }),
  ]);
}

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

export function redirectToLogin() {
  const next = encodeURIComponent(location.pathname);
  location.assign(`/logga-in?next=${next}`);
}

const STATUS_MESSAGES = {
  403: "Din roll får inte göra detta.",
  404: "Det efterfrågade finns inte längre.",
  413: "Det du skickade är för stort.",
};

export async function errorMessage(response) {
  if (response.status === 401) {
    redirectToLogin();
    return "Du behöver logga in igen.";
  }
  let detail = null;
  try {
    detail = (await response.json()).detail;
  } catch {
    detail = null;
  }
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail) && detail.length) return detail.map((d) => d.msg).join(" ");
  return STATUS_MESSAGES[response.status] || `Något gick fel (felkod ${response.status}).`;
}

export async function api(path, { json, ...options } = {}) {
  const init = { credentials: "same-origin", ...options };
  init.headers = { Accept: "application/json", ...(options.headers || {}) };
  if (json !== undefined) {
    init.method = init.method || "POST";
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError("Servern svarar inte. Kontrollera anslutningen och försök igen.", 0);
  }
  if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
  return response.status === 204 ? null : response.json();
}

function parseTime(iso) {
  if (!iso) return null;
  const zoned = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) || !iso.includes("T") ? iso : `${iso}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatDateTime(iso) {
  const date = parseTime(iso);
  if (!date) return iso || "–";
  return date.toLocaleString("sv-SE", { dateStyle: "medium", timeStyle: "short" });
}

export function formatDate(iso) {
  if (!iso) return "–";
  const date = new Date(`${iso.slice(0, 10)}T12:00:00`);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString("sv-SE", { dateStyle: "long" });
}

export const TYPE_LABELS = {
  rutin: "Rutin",
  riktlinje: "Riktlinje",
  avvikelseanalys: "Avvikelseanalys",
  "övrigt": "Övrigt",
};

export function typeLabel(type) {
  return TYPE_LABELS[type] || (type ? type[0].toUpperCase() + type.slice(1) : "Okänd typ");
}

export function announce(region, text) {
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}
