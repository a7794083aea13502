// The helpful / not helpful form under every answer.
import { api, el } from "./dom.js";

const REASONS = ["fel svar", "ofullständigt", "fel källa", "föråldrat"];
let counter = 0;

const SVG = "http://www.w3.org/2000/svg";
// Thumbs up and down drawn as inline SVG in the text colour: no emoji a system may lack.
const THUMB_PATHS = {
  up: "M7 10v11M7 10l4-8a3 3 0 0 1 3 3v4h5.5a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.1 21H7H4a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1h3Z",
  down: "M17 14V3M17 14l-4 8a3 3 0 0 1-3-3v-4H4.5a2 2 0 0 1-2-2.3l1.4-8A2 2 0 0 1 5.9 3H17h3a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1h-3Z",
};

function thumbIcon(direction) {
  const svg = document.createElementNS(SVG, "svg");
  for (const [key, value] of Object.entries({ viewBox: "0 0 24 24", width: "20", height: "20",
    class: "thumb-icon", "aria-hidden": "true", focusable: "false" })) svg.setAttribute(key, value);
  const path = document.createElementNS(SVG, "path");
  for (const [key, value] of Object.entries({ d: THUMB_PATHS[direction], fill: "none",
    stroke: "currentColor", "stroke-width": "2", "stroke-linejoin": "round",
    "stroke-linecap": "round" })) path.setAttribute(key, value);
  svg.append(path);
  return svg;
}

function thumb(direction, label, helpful) {
  return el("button", { type: "button", className: "thumb", "aria-pressed": "false",
    "data-helpful": String(helpful) }, [thumbIcon(direction), el("span", { text: label })]);
}

function reasonChips(id) {
  const chips = REASONS.map((reason, i) => {
    const inputId = `${id}-reason-${i}`;
    return el("span", { className: "chip" }, [
      el("input", { type: "radio", name: `${id}-reason`, id: inputId, value: reason }),
      el("label", { for: inputId, text: reason[0].toUpperCase() + reason.slice(1) }),
    ]);
  });
  return el("fieldset", { className: "reasons", hidden: true }, [
    el("legend", { text: "Vad var fel? (valfritt)" }),
    el("div", { className: "chips" }, chips),
  ]);
}

function details(id) {
  return el("form", { className: "feedback-details", hidden: true }, [
    reasonChips(id),
    el("label", { for: `${id}-comment`, text: "Kommentar (valfritt – skriv inga personuppgifter)" }),
    el("textarea", { id: `${id}-comment`, name: "comment", rows: "2", maxlength: "2000" }),
    el("div", { className: "actions" }, [
      el("button", { type: "submit", className: "primary", text: "Skicka omdöme" }),
    ]),
  ]);
}

function payload(answerId, form, helpful) {
  const reason = helpful ? null : form.querySelector("input[type=radio]:checked")?.value || null;
  const comment = form.querySelector("textarea").value.trim() || null;
  return { answer_id: answerId, helpful, reason, comment };
}

async function submit(section, answerId, helpful) {
  const form = section.querySelector("form");
  const result = section.querySelector(".feedback-result");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const stored = await api("/api/feedback", { json: payload(answerId, form, helpful) });
    form.remove();
    section.querySelectorAll(".thumb").forEach((t) => { t.disabled = true; });
    const ref = stored.gap_ref ? `, referens ${stored.gap_ref}` : "";
    const extra = stored.gap_id ? ` Rutingruppen får se svaret och din synpunkt${ref}.` : "";
    result.className = "feedback-result ok";
    result.textContent = `Tack! Ditt omdöme är sparat.${extra}`;
  } catch (error) {
    button.disabled = false;
    result.className = "feedback-result error";
    result.textContent = error.message;
  }
}

// Return the feedback section for one answer.
export function feedbackSection(answerId) {
  counter += 1;
  const id = `feedback-${counter}`;
  const heading = el("h3", { id: `${id}-h`, className: "feedback-title", text: "Var svaret till hjälp?" });
  const up = thumb("up", "Hjälpsamt", true);
  const down = thumb("down", "Inte hjälpsamt", false);
  const form = details(id);
  const section = el("section", { className: "feedback", "aria-labelledby": `${id}-h` }, [
    heading,
    el("div", { className: "thumbs", role: "group", "aria-labelledby": `${id}-h` }, [up, down]),
    form,
    el("p", { className: "feedback-result", role: "status" }),
  ]);
  let helpful = null;
  for (const button of [up, down]) {
    button.addEventListener("click", () => {
      helpful = button === up;
      up.setAttribute("aria-pressed", String(helpful));
      down.setAttribute("aria-pressed", String(!helpful));
      form.hidden = false;
      form.querySelector(".reasons").hidden = helpful;
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (helpful !== null) submit(section, answerId, helpful);
  });
  return section;
}
