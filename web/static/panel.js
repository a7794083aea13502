// The side panel that shows a cited passage with the quoted sentences highlighted.
import { retiredText } from "./answer.js";
import { el, formatDate, safeHref, typeLabel } from "./dom.js";

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function quoteRanges(passage, quote) {
  const ranges = [];
  for (const part of (quote || "").split(" … ")) {
    const words = part.trim().split(/\s+/).filter(Boolean);
    if (!words.length) continue;
    const match = new RegExp(words.map(escapeRegExp).join("\\s+")).exec(passage);
    if (match) ranges.push([match.index, match.index + match[0].length]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const range of ranges) {
    const previous = merged[merged.length - 1];
    if (previous && range[0] <= previous[1]) previous[1] = Math.max(previous[1], range[1]);
    else merged.push(range);
  }
  return merged;
}

// Return the passage as text nodes, with each quoted sentence inside <mark>.
export function highlightedPassage(passage, quote) {
  const nodes = [];
  let last = 0;
  for (const [start, end] of quoteRanges(passage, quote)) {
    nodes.push(passage.slice(last, start), el("mark", { text: passage.slice(start, end) }));
    last = end;
  }
  nodes.push(passage.slice(last));
  return nodes;
}

function fact(term, value) {
  if (value === null || value === undefined || value === "") return null;
  return el("div", {}, [el("dt", { text: term }), el("dd", { text: value })]);
}

// A DOCX or Markdown original opens as a readable page at the passage's heading;
// a PDF at its page, anything else as the file.
const READABLE = /\.(docx|md|markdown)$/i;

function originalHref(citation) {
  if (!citation.document_id || !READABLE.test(citation.document || "")) return citation.url;
  const base = `/dokument/${encodeURIComponent(citation.document_id)}`;
  return citation.section ? `${base}?avsnitt=${encodeURIComponent(citation.section)}#avsnitt` : base;
}

const QUOTED_HINT = "Det som svaret bygger på är markerat.";
const NEAREST_HINT = "Avsnittet som ligger närmast frågan. Det svarar inte på frågan.";
// Below 1024 px the panel is a modal dialog over the page; wider, a side panel.
const NARROW = "(max-width: 63.99rem)";
const FOCUSABLE = "a[href]:not([hidden]), button:not([disabled]), [tabindex]:not([tabindex='-1'])";

export class SourcePanel {
  constructor(root) {
    this.root = root;
    this.title = root.querySelector("#source-title");
    this.facts = root.querySelector("#source-facts");
    this.passage = root.querySelector("#source-passage");
    this.link = root.querySelector("#source-link");
    this.hint = root.querySelector("#source-hint");
    this.trigger = null;
    this.inerted = [];
    this.narrow = window.matchMedia(NARROW);
    root.querySelector("#source-close").addEventListener("click", () => this.close());
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
      else if (event.key === "Tab" && this.modal) this.keepFocus(event);
    });
    // Escape closes the dialog from anywhere, even after a click on the dimmed page.
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.modal && !root.contains(event.target)) this.close();
    });
    this.narrow.addEventListener("change", () => {
      if (!this.root.hidden) this.setMode();
    });
  }

  get modal() {
    return !this.root.hidden && this.root.getAttribute("role") === "dialog";
  }

  open(citation, trigger) {
    this.setExpanded(false);
    this.trigger = trigger;
    this.title.textContent = citation.title;
    this.facts.replaceChildren(...[
      fact("Typ", typeLabel(citation.type)),
      fact("Dokument", citation.document),
      fact("Avsnitt", citation.section),
      fact("Sida", citation.page),
      fact("Version", citation.version),
      fact("Gäller från", citation.valid_from ? formatDate(citation.valid_from) : null),
      fact("Gäller till", citation.valid_to ? formatDate(citation.valid_to) : null),
      fact("Status", retiredText(citation)),
    ].filter(Boolean));
    this.passage.replaceChildren(...highlightedPassage(citation.passage || "", citation.quote));
    this.hint.textContent = citation.quote ? QUOTED_HINT : NEAREST_HINT;
    const href = safeHref(originalHref(citation));
    this.link.hidden = !href;
    if (href) this.link.href = href;
    this.root.hidden = false;
    document.body.classList.add("panel-open");
    this.setMode();
    this.setExpanded(true);
    this.root.scrollTop = 0;
    this.title.focus();
  }

  close() {
    if (this.root.hidden) return;
    this.root.hidden = true;
    document.body.classList.remove("panel-open", "panel-modal");
    this.release();
    this.setExpanded(false);
    if (this.trigger && this.trigger.isConnected) this.trigger.focus();
    this.trigger = null;
  }

  // A side panel on wide screens; on narrow ones a modal dialog with the page inert.
  setMode() {
    this.release();
    if (!this.narrow.matches) {
      this.root.setAttribute("role", "complementary");
      this.root.removeAttribute("aria-modal");
      document.body.classList.remove("panel-modal");
      return;
    }
    this.root.setAttribute("role", "dialog");
    this.root.setAttribute("aria-modal", "true");
    document.body.classList.add("panel-modal");
    for (let node = this.root; node.parentElement; node = node.parentElement) {
      for (const sibling of node.parentElement.children) {
        if (sibling === node || sibling.inert || sibling.tagName === "SCRIPT") continue;
        sibling.inert = true;
        this.inerted.push(sibling);
      }
      if (node.parentElement === document.body) break;
    }
  }

  release() {
    for (const node of this.inerted) node.inert = false;
    this.inerted = [];
  }

  // Tab and Shift+Tab go round inside the dialog.
  keepFocus(event) {
    const items = [...this.root.querySelectorAll(FOCUSABLE)].filter((n) => n.getClientRects().length);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = document.activeElement;
    if (event.shiftKey && (active === first || active === this.title)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      this.title.focus();
    }
  }

  setExpanded(value) {
    if (this.trigger) this.trigger.setAttribute("aria-expanded", String(value));
  }
}
