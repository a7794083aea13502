// Render one answer: text with citation buttons, sources, earlier deviations, refusals, notices.
import { el, formatDate, sourceLink, typeLabel } from "./dom.js";

const MARKER = /\[(\d+)\]/g;

function citeButton(citation, onCite, label) {
  const name = `Källa ${citation.id}: ${citation.title}`;
  const button = el("button", {
    type: "button",
    className: "cite",
    "aria-label": label ? null : name,
    "aria-controls": "source-panel",
    "aria-expanded": "false",
    "data-cite": citation.id,
  }, label || String(citation.id));
  button.addEventListener("click", () => onCite(citation, button));
  return button;
}

function paragraphNodes(text, byId, onCite) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    const citation = byId.get(Number(match[1]));
    if (!citation) continue;
    nodes.push(text.slice(last, match.index));
    nodes.push(citeButton(citation, onCite));
    last = match.index + match[0].length;
  }
  nodes.push(text.slice(last));
  const withBreaks = [];
  for (const node of nodes) {
    if (typeof node !== "string") withBreaks.push(node);
    else node.split("\n").forEach((line, i) => withBreaks.push(...(i ? [el("br"), line] : [line])));
  }
  return withBreaks;
}

// Fill container with the answer text; [n] markers become buttons when citations are given.
export function renderAnswerText(container, text, citations = [], onCite = null) {
  const byId = new Map(onCite ? citations.map((c) => [c.id, c]) : []);
  container.replaceChildren();
  for (const paragraph of text.split(/\n{2,}/)) {
    if (paragraph.trim()) container.append(el("p", {}, paragraphNodes(paragraph, byId, onCite)));
  }
}

function describe(item) {
  const parts = [typeLabel(item.type)];
  if (item.section) parts.push(item.section);
  if (item.page) parts.push(`s. ${item.page}`);
  if (item.version) parts.push(`version ${item.version}`);
  return parts.join(" · ");
}

// "Gäller inte längre: gällde till …, ersatt av … version …" under a retired source.
export function retiredText(item) {
  if (!item.retired) return null;
  let text = `Gäller inte längre: gällde till ${formatDate(item.valid_to)}.`;
  const next = item.replaced_by;
  if (next) text += ` Ersatt av ${next.title}${next.version ? `, version ${next.version}` : ""}.`;
  return text;
}

export function sourceList(headingText, items, onCite, { intro = null, numbered = true } = {}) {
  const list = el("ul", { className: "source-list" });
  for (const item of items) {
    const label = [el("span", { className: "source-title", text: item.title }),
      el("span", { className: "source-desc", text: describe(item) }),
      item.retired ? el("span", { className: "source-retired", text: retiredText(item) }) : null];
    const button = citeButton(item, onCite, label);
    button.className = "source-button";
    const number = numbered
      ? el("span", { className: "source-number", text: `[${item.id}]`, "aria-hidden": "true" })
      : null;
    list.append(el("li", {}, [number, button]));
  }
  return el("section", { className: "sources" }, [
    el("h3", { text: headingText }),
    intro ? el("p", { className: "hint", text: intro }) : null,
    list,
  ]);
}

const NEAREST_TEXT = {
  heading: "Dokument som ligger närmast frågan",
  hint: "De svarar inte på frågan, men kan vara till hjälp.",
};

// The nearest documents open the source panel at their closest passage; an item
// without one (kept from before passages were sent) links to the file.
export function nearestList(nearest, { heading, hint } = NEAREST_TEXT, onCite = null) {
  if (!nearest.length) return null;
  const list = el("ul", { className: "nearest-list" });
  for (const item of nearest) {
    if (onCite && item.passage) {
      const button = citeButton({ ...item, quote: "" }, onCite, [
        el("span", { className: "source-title", text: item.title }),
        el("span", { className: "source-desc", text: describe(item) }),
      ]);
      button.className = "source-button";
      list.append(el("li", {}, [button]));
      continue;
    }
    list.append(el("li", {}, [sourceLink(item.url, item.title),
      el("span", { className: "source-desc", text: ` – ${describe(item)}` })]));
  }
  return el("section", { className: "nearest" }, [
    el("h3", { text: heading }),
    el("p", { className: "hint", text: hint }),
    list,
  ]);
}

// "Frågan har skickats till rutingruppen, referens K7QM2X" under a refusal.
export function gapNotice(response) {
  if (!response.gap_id) return null;
  const ref = response.gap_ref || response.gap_id;
  return el("p", { className: "gap-notice", "data-gap-id": response.gap_id }, [
    "Frågan har skickats till rutingruppen, referens ",
    el("strong", { className: "gap-ref", text: ref }),
  ]);
}

export function noticeList(notices) {
  if (!notices || !notices.length) return null;
  return el("ul", { className: "notices", "aria-label": "Att tänka på" },
    notices.map((text) => el("li", { text })));
}
