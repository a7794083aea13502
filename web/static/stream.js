// Read the answer's server-sent events from a fetch() body (EventSource cannot POST).
import { ApiError, errorMessage } from "./dom.js";

function parseBlock(block) {
  let name = "message";
  const data = [];
  for (const raw of block.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") name = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  try {
    return { name, data: JSON.parse(data.join("\n")) };
  } catch {
    return null;
  }
}

export async function* readEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const event = parseBlock(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event) yield event;
      end = buffer.indexOf("\n\n");
    }
  }
  const last = parseBlock(buffer);
  if (last) yield last;
}

// Post a question and call onToken / onReset while the answer streams; return the final response.
export async function streamChat(payload, { onToken, onReset, signal }) {
  let response;
  try {
    response = await fetch("/api/chat/stream", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(payload),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("Servern svarar inte. Kontrollera anslutningen och försök igen.", 0);
  }
  if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
  for await (const event of readEvents(response.body)) {
    if (event.name === "token") onToken(event.data.text || "");
    else if (event.name === "reset") onReset();
    else if (event.name === "final") return event.data;
    else if (event.name === "error") throw new ApiError(event.data.detail || "Ett fel uppstod.", 500);
  }
  throw new ApiError("Svaret avbröts innan det var klart. Försök igen.", 0);
}
