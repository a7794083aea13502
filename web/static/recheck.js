// A resolved topic's questions asked again: per question "Besvaras nu" with the citation,
// or "Nekas fortfarande"; "Kontrollera igen" asks again. While questions are being asked
// the block polls its topic and says when the check is done.
import { announce, api, el, formatDateTime } from "./dom.js";
import { citationItem } from "./gap_entries.js";

const POLL_MS = 1500;
const POLL_LIMIT = 120;
const STATE_CLASS = { answered: "status-atgardad", refused: "status-under-behandling",
  pending: "status-ny", failed: "status-avvisad" };

function summaryText(summary) {
  if (!summary) return "Frågorna har inte ställts igen ännu.";
  if (summary.pending) return `Frågorna ställs igen mot dokumenten som gäller nu … (${summary.pending} kvar)`;
  const total = summary.answered + summary.refused + summary.failed;
  const parts = [`${summary.answered} av ${total} ${total === 1 ? "fråga besvaras" : "frågor besvaras"} nu`];
  if (summary.refused) parts.push(`${summary.refused} nekas fortfarande`);
  if (summary.failed) parts.push(`${summary.failed} kunde inte kontrolleras`);
  const when = summary.checked_at ? `Kontrollerad ${formatDateTime(summary.checked_at)}: ` : "";
  return `${when}${parts.join(", ")}.`;
}

function resultItem(gap) {
  const check = gap.recheck;
  const children = [
    el("p", { className: "recheck-line" }, [
      el("span", { className: `badge ${STATE_CLASS[check.state] || ""}`, text: check.state_label }), " ",
      el("span", { className: "gap-question", text: gap.question }),
    ]),
  ];
  if (check.state === "answered") {
    children.push(el("div", { className: "recheck-sources" }, [
      el("p", { className: "given-sources", text: "Källa i svaret nu:" }),
      el("ul", {}, check.citations.map(citationItem)),
    ]));
    children.push(el("details", { className: "given-answer" }, [
      el("summary", { text: "Svaret nu" }),
      ...check.answer.split(/\n{2,}/).filter((p) => p.trim()).map((p) => el("p", { text: p })),
    ]));
  }
  return el("li", { className: `recheck-entry recheck-${check.state}`, "data-gap": gap.id }, children);
}

export function recheckBlock(topic) {
  const status = el("p", { className: "recheck-status", role: "status" });
  const list = el("ul", { className: "recheck-list" });
  const button = el("button", { type: "button", className: "secondary small", text: "Kontrollera igen" });
  const root = el("section", { className: "recheck", "aria-label": `Kontroll efter åtgärd: ${topic.label}` }, [
    el("h3", { text: "Kontroll efter åtgärd" }),
    el("p", { className: "hint", text: "När ämnet markeras som åtgärdat ställs dess frågor igen mot dokumenten som gäller nu." }),
    status, list, el("div", { className: "actions" }, button),
  ]);
  let polls = 0;

  function show(current) {
    status.textContent = summaryText(current.recheck);
    list.replaceChildren(...current.gaps.filter((g) => g.recheck).map(resultItem));
    root.hidden = !current.recheck && current.status !== "åtgärdad";
  }

  async function poll() {
    const topics = await api("/api/gaps/topics");
    const current = topics.find((t) => t.id === topic.id);
    if (!current) return;
    show(current);
    if (current.recheck?.pending && polls++ < POLL_LIMIT) {
      window.setTimeout(poll, POLL_MS);
    } else {
      button.disabled = false;
      announce(status, summaryText(current.recheck));
    }
  }

  function start() {
    polls = 0;
    button.disabled = true;
    status.textContent = "Frågorna ställs igen mot dokumenten som gäller nu …";
    window.setTimeout(poll, POLL_MS);
  }

  button.addEventListener("click", async () => {
    try {
      await api(`/api/gaps/topics/${encodeURIComponent(topic.id)}/recheck`, { method: "POST" });
      start();
    } catch (error) {
      status.textContent = error.message;
    }
  });
  show(topic);
  if (topic.recheck?.pending) start();
  return { element: root, start, show };
}
