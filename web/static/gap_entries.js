// The gaps of one topic on the routine group's page: type, question, reference, the
// caseworker's reason and comment, the answer that was given, and moving a gap.
import { api, el, formatDateTime, sourceLink } from "./dom.js";

const KIND_CLASS = { unanswered: "kind-unanswered", feedback: "kind-feedback" };
const NEW_TOPIC = "__new__";
let counter = 0;

function capitalised(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : "";
}

function kindTag(gap) {
  return el("span", { className: `kind ${KIND_CLASS[gap.kind] || ""}`, text: capitalised(gap.kind_label) });
}

export function citationItem(citation) {
  const where = [citation.section, citation.page ? `s. ${citation.page}` : null].filter(Boolean);
  return el("li", {}, [
    sourceLink(citation.url, citation.title || citation.document || "Källa"),
    where.length ? el("span", { className: "source-desc", text: ` – ${where.join(", ")}` }) : null,
    citation.retired ? el("span", { className: "source-retired-tag", text: " (gäller inte längre)" }) : null,
  ]);
}

function givenAnswer(answer) {
  if (!answer) return null;
  return el("details", { className: "given-answer" }, [
    el("summary", { text: "Svaret som gavs" }),
    ...answer.text.split(/\n{2,}/).filter((p) => p.trim()).map((p) => el("p", { text: p })),
    answer.citations.length
      ? el("div", {}, [el("p", { className: "given-sources", text: "Källor i svaret:" }),
        el("ul", {}, answer.citations.map(citationItem))])
      : el("p", { text: "Svaret hade inga källor." }),
  ]);
}

function feedbackFacts(feedback) {
  if (!feedback) return null;
  const item = (term, value) => el("div", {}, [el("dt", { text: term }), el("dd", { text: value })]);
  return el("dl", { className: "facts feedback-facts" }, [
    item("Orsak", feedback.reason ? capitalised(feedback.reason) : "Ingen angiven"),
    item("Kommentar", feedback.comment || "Ingen kommentar"),
  ]);
}

function moveForm(gap, others, onChanged) {
  const id = `move-${++counter}`;
  const select = el("select", { id, name: "topic_id" }, [
    el("option", { value: "" }, "Välj ämne"),
    ...others.map((t) => el("option", { value: t.id }, t.label)),
    el("option", { value: NEW_TOPIC }, "Ett nytt ämne"),
  ]);
  const result = el("p", { className: "action-result", role: "status" });
  const form = el("form", { className: "move-form" }, [
    el("label", { for: id, text: "Flytta frågan till" }), select,
    el("button", { type: "submit", className: "secondary", text: "Flytta" }), result,
  ]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!select.value) {
      result.className = "action-result error";
      result.textContent = "Välj vart frågan ska flyttas.";
      select.focus();
      return;
    }
    const target = select.value === NEW_TOPIC ? null : select.value;
    try {
      const moved = await api(`/api/gaps/${encodeURIComponent(gap.id)}/move`,
        { json: { topic_id: target } });
      onChanged(moved.topic_id, `Frågan ${gap.ref || ""} är flyttad till ämnet ”${moved.topic_label}”.`);
    } catch (error) {
      result.className = "action-result error";
      result.textContent = error.message;
    }
  });
  return el("details", { className: "move" }, [el("summary", { text: "Flytta till ett annat ämne" }), form]);
}

function gapItem(gap, others, match, onChanged) {
  const ref = gap.ref ? el("span", { className: "gap-ref-label" }, ["Referens ",
    match ? el("mark", { className: "gap-ref", text: gap.ref }) : el("strong", { className: "gap-ref", text: gap.ref })])
    : null;
  return el("li", { className: `gap-entry${match ? " match" : ""}`, "data-ref": gap.ref || "" }, [
    el("p", { className: "gap-line" }, [kindTag(gap), " ", el("span", { className: "gap-question", text: gap.question })]),
    el("p", { className: "gap-meta" }, [ref, ref ? " · " : null, formatDateTime(gap.created_at)]),
    feedbackFacts(gap.feedback),
    givenAnswer(gap.answer),
    moveForm(gap, others, onChanged),
  ]);
}

// Return the list of a topic's gaps; `others` are the topics a gap may move to.
export function gapEntries(topic, others, { matchRef = null, onChanged }) {
  const matched = topic.gaps.some((g) => g.ref && g.ref === matchRef);
  const items = topic.gaps.map((g) => gapItem(g, others, g.ref && g.ref === matchRef, onChanged));
  const open = matched || topic.gaps.length <= 5;
  return el("details", { className: "gap-entries", open }, [
    el("summary", { text: `Frågor och omdömen (${topic.gaps.length})` }),
    el("ol", {}, items),
  ]);
}
