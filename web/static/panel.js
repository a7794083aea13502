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

export class SourcePanel {
  constructor(root) {
    this.root = root;
    this.title = root.querySelector("#source-title");
    this.facts = root.querySelector("#source-facts");
    this.passage = root.querySelector("#source-passage");
    this.link = root.querySelector("#source-link");
    this.trigger = null;
    root.querySelector("#source-close").addEventListener("click", () => this.close());
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
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
    const href = safeHref(citation.url);
    this.link.hidden = !href;
    if (href) this.link.href = href;
    this.root.hidden = false;
    document.body.classList.add("panel-open");
    this.setExpanded(true);
    this.title.focus();
  }

  close() {
    if (this.root.hidden) return;
    this.root.hidden = true;
    document.body.classList.remove("panel-open");
    this.setExpanded(false);
    if (this.trigger && this.trigger.isConnected) this.trigger.focus();
    this.trigger = null;
  }

  setExpanded(value) {
    if (this.trigger) this.trigger.setAttribute("aria-expanded", String(value));
  }
}
