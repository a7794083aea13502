// The caseworkers' chat: ask, stream the answer, show sources, gaps and feedback.
import { gapNotice, nearestList, noticeList, renderAnswerText, sourceList } from "./answer.js";
import { announce, el } from "./dom.js";
import { feedbackSection } from "./feedback.js";
import { SourcePanel } from "./panel.js";
import { streamChat } from "./stream.js";

const form = document.getElementById("ask-form");
const textarea = document.getElementById("question");
const conversation = document.getElementById("conversation");
const empty = document.getElementById("empty");
const status = document.getElementById("status");
const errorBox = document.getElementById("ask-error");
const sendButton = document.getElementById("send");
const panel = new SourcePanel(document.getElementById("source-panel"));
const LESSONS_INTRO = "Lärdomar ur avvikelseanalyser som rör frågan. De är inte rutiner.";
// Under a decision request the nearest documents are the pointers to read.
const ROUTINE_POINTERS = {
  heading: "Rutiner som rör frågan",
  hint: "Läs vad rutinen säger och gör din egen bedömning av ärendet.",
};
const STORE_KEY = "rutinstod.conversation";
const confirmDialog = document.getElementById("confirm-new");
let conversationId = null;
let controller = null;
let turns = 0;
let finished = [];

// Keep the conversation in this tab only, so it survives a reload or a menu click.
function saveConversation() {
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify({ conversationId, turns: finished }));
  } catch {
    // Storage full or disabled: the conversation simply does not survive a reload.
  }
}

function loadConversation() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
    return saved && Array.isArray(saved.turns) ? saved : null;
  } catch {
    return null;
  }
}

function openCitation(citation, trigger) {
  panel.open(citation, trigger);
}

function thinking() {
  return el("p", { className: "thinking", text: "Söker i rutinerna …" });
}

function startTurn(question) {
  turns += 1;
  const headingId = `answer-${turns}-h`;
  // The heading says what was asked, so a list of headings is a list of the questions.
  const kind = el("span", { className: "answer-kind", text: "Svar på" });
  const questionText = el("span", { className: "question-text", text: question });
  const heading = el("h2", { id: headingId, className: "answer-heading" },
    [kind, el("span", { className: "visually-hidden", text: ": " }), questionText]);
  const body = el("div", { className: "answer-body", "aria-live": "polite", "aria-busy": "true" },
    thinking());
  const article = el("article", { className: "answer", tabindex: "-1",
    "aria-labelledby": headingId }, [heading, body]);
  conversation.append(el("li", { className: "turn" }, [article]));
  empty.hidden = true;
  return { questionText, kind, body, article, streamed: "" };
}

function showStreamed(turn, text) {
  turn.streamed = text;
  turn.body.replaceChildren(text ? el("p", { text }) : thinking());
}

function finishTurn(turn, response, { restored = false } = {}) {
  const { body, article } = turn;
  turn.questionText.textContent = response.question;
  body.removeAttribute("aria-live");
  body.setAttribute("aria-busy", "false");
  const prompt = response.kind === "not_a_question" || response.kind === "clarify";
  const decision = response.kind === "decision_request";
  if (response.answered) {
    renderAnswerText(body, response.answer, response.citations, openCitation);
  } else if (decision) {
    turn.kind.textContent = "Rutinstöd fattar inte beslut i enskilda ärenden";
    article.classList.add("decision");
    renderAnswerText(body, response.answer);
  } else if (prompt) {
    turn.kind.textContent = "Skriv hela frågan";
    article.classList.add("prompt");
    renderAnswerText(body, response.answer);
  } else {
    turn.kind.textContent = "Ingen rutin täcker frågan";
    article.classList.add("refusal");
    renderAnswerText(body, response.answer);
  }
  const parts = [
    response.answered ? null : gapNotice(response),
    noticeList(response.notices),
    response.citations.length ? sourceList("Källor", response.citations, openCitation) : null,
    response.answered || prompt ? null
      : nearestList(response.nearest, decision ? ROUTINE_POINTERS : undefined, openCitation),
    response.lessons.length
      ? sourceList("Tidigare avvikelser", response.lessons, openCitation,
        { intro: LESSONS_INTRO, numbered: false })
      : null,
    prompt ? null : feedbackSection(response.answer_id),
  ];
  article.append(...parts.filter(Boolean));
  conversationId = response.conversation_id;
  if (restored) return;
  finished.push(response);
  saveConversation();
  const done = response.answered ? "Svaret är klart."
    : decision ? "Rutinstöd fattar inte beslut i enskilda ärenden."
      : prompt ? "Skriv hela frågan." : "Ingen rutin täcker frågan.";
  announce(status, done);
  article.focus();
}

function failTurn(turn, message) {
  turn.body.removeAttribute("aria-live");
  turn.body.setAttribute("aria-busy", "false");
  turn.kind.textContent = "Inget svar på";
  turn.article.classList.add("failed");
  turn.body.replaceChildren(el("p", { className: "error", text: message }));
  announce(status, message);
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
  textarea.setAttribute("aria-invalid", message ? "true" : "false");
}

async function ask(question) {
  const turn = startTurn(question);
  controller = new AbortController();
  sendButton.disabled = true;
  announce(status, "Frågan är skickad. Svaret hämtas.");
  try {
    const response = await streamChat(
      { question, conversation_id: conversationId },
      {
        onToken: (text) => showStreamed(turn, turn.streamed + text),
        onReset: () => showStreamed(turn, ""),
        signal: controller.signal,
      },
    );
    finishTurn(turn, response);
  } catch (error) {
    if (error.name === "AbortError") return;
    failTurn(turn, error.message);
    if (!textarea.value) textarea.value = question;
  } finally {
    controller = null;
    sendButton.disabled = false;
  }
}

function submitQuestion() {
  const question = textarea.value.trim();
  if (!question) {
    showError("Skriv en fråga först.");
    textarea.focus();
    return;
  }
  if (controller) return;
  showError("");
  textarea.value = "";
  ask(question);
}

function startOver() {
  if (controller) controller.abort();
  conversation.replaceChildren();
  conversationId = null;
  finished = [];
  sessionStorage.removeItem(STORE_KEY);
  empty.hidden = false;
  panel.close();
  showError("");
  textarea.value = "";
  announce(status, "Nytt samtal. Skriv din fråga.");
  textarea.focus();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  submitQuestion();
});
textarea.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submitQuestion();
  }
});
const newButton = document.getElementById("new-question");
newButton.addEventListener("click", () => {
  if (!conversation.children.length) {
    startOver();
    return;
  }
  confirmDialog.returnValue = "";
  confirmDialog.showModal();
});
confirmDialog.querySelector("form").addEventListener("submit", (event) => {
  event.preventDefault();
  const choice = event.submitter ? event.submitter.value : "keep";
  confirmDialog.close(choice);
  if (choice === "clear") startOver();
});
confirmDialog.addEventListener("close", () => {
  if (confirmDialog.returnValue === "clear") textarea.focus();
  else newButton.focus();
});

function restoreConversation() {
  const saved = loadConversation();
  if (!saved || !saved.turns.length) return;
  for (const response of saved.turns) finishTurn(startTurn(response.question), response,
    { restored: true });
  finished = saved.turns;
  conversationId = saved.conversationId;
}

restoreConversation();
