/**
 * A fake OpenAI-compatible server for tests and benchmarks, following the documented shapes of
 * POST /v1/chat/completions (a `chat.completion` object, or `chat.completion.chunk` server-sent
 * events ending in `data: [DONE]` when `stream` is set, with a usage chunk when
 * `stream_options.include_usage` is), POST /v1/images/generations (`{created, data: [{b64_json,
 * revised_prompt}]}`), and errors as `{"error": {"message", "type", "param", "code"}}`.
 *
 * The first label of the host picks a behaviour, so a test builds a fallback chain from hosts:
 * `ok.llm.test` answers well; `rate-limited` is 429 with Retry-After; `down` is 500; `slow` answers
 * after 1.5 s; `garbled` sends a body that is not JSON; `chatty` answers in prose without JSON;
 * `misshapen` answers JSON of the wrong shape; `verbose` writes far too long the first time it is
 * asked; `careless` uses the brand voice's banned words until asked to fix them. Without JSON mode
 * (`response_format`), answers come wrapped in prose and a ```json fence, as many models do.
 *
 * It writes its answers from the prompt: the shape named in the system prompt (`shape "post"`) and the
 * topic and source lines of the user message.
 */

export type FakeMode = "ok" | "rate-limited" | "down" | "slow" | "garbled" | "chatty" | "misshapen" | "verbose" | "careless";
const MODES: readonly FakeMode[] = ["ok", "rate-limited", "down", "slow", "garbled", "chatty", "misshapen", "verbose", "careless"];

/** A 2×2 PNG, so the media library's sniffing and dimension reading run on a real image. */
export const FAKE_PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAE0lEQVR4nGP438AARAwMDf+BCAAp8gX9AiY2+QAAAABJRU5ErkJggg==";

type Message = { role: string; content: string };
type Options = { mode?: FakeMode; delayMs?: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function apiError(status: number, message: string, type: string, code: string | null, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { message, type, param: null, code } }, { status, headers });
}

export function modeOf(host: string): FakeMode {
  const label = host.split(".")[0] as FakeMode;
  return MODES.includes(label) ? label : "ok";
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function topicOf(messages: Message[]): string {
  const user = messages.filter((m) => m.role === "user").map((m) => m.content).join("\n");
  return user.match(/^Topic: (.+)$/m)?.[1]?.trim() ?? user.match(/^Brief: (.+)$/m)?.[1]?.trim() ?? "the news";
}

function sourceLines(messages: Message[]): string[] {
  const user = messages.find((m) => m.role === "user")?.content ?? "";
  return [...user.matchAll(/^- (.+)$/gm)].map((m) => m[1]!.replace(/\s*\(https?:\/\/\S+\)$/, "").trim()).slice(0, 5);
}

function bannedWords(messages: Message[]): string[] {
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  return (system.match(/^Never use these words: (.+)$/m)?.[1] ?? "").split(",").map((w) => w.trim()).filter(Boolean);
}

function answer(shape: string, messages: Message[], mode: FakeMode): unknown {
  const topic = topicOf(messages);
  const sources = sourceLines(messages);
  const repairing = messages.some((m) => m.role === "user" && /^Problems to fix:/m.test(m.content));
  const shortening = messages.some((m) => m.role === "user" && /^Too long:/m.test(m.content));
  let sentence = `${topic} is moving fast, and ${sources[0] ?? "the first reports"} shows why it matters.`;
  if (mode === "verbose" && !shortening) sentence = Array.from({ length: 40 }, (_, i) => `Point ${i + 1} about ${topic} deserves a full sentence of its own.`).join(" ");
  if (mode === "careless" && !repairing) sentence = `${bannedWords(messages).join(" ")} ${sentence}`.trim();
  const tag = topic.replace(/[^\p{L}\p{N}]+/gu, "");
  switch (shape) {
    case "post":
      return { text: sentence, hashtags: [tag, "News"] };
    case "thread":
      return { posts: [sentence, `Second, ${sources[1] ?? "more detail follows"}.`, `Finally, what to watch next on ${topic}.`], hashtags: [tag] };
    case "article":
      return {
        title: `What ${topic} means now`,
        body: `${sentence}\n\n## Why it matters\n\n${sources.map((s) => `${s}.`).join(" ") || "Details are still coming in."}`,
        tags: [topic.toLowerCase().slice(0, 40)],
        imagePrompt: `An editorial illustration about ${topic}`,
        altText: `Illustration about ${topic}`,
      };
    case "newsletter":
      return {
        subject: `This week: ${topic}`,
        intro: sentence,
        sections: (sources.length ? sources : [topic]).map((s) => ({ heading: s.slice(0, 80), summary: `${s}.`, url: null })),
        outro: "Thanks for reading.",
      };
    case "image":
      return { prompt: `A photograph about ${topic}`, altText: `A photograph about ${topic}` };
    default:
      return { text: sentence };
  }
}

function completionText(body: Record<string, unknown>, mode: FakeMode): string {
  const messages = (body.messages as Message[]) ?? [];
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const shape = system.match(/shape "(\w+)"/)?.[1] ?? "text";
  if (mode === "chatty") return `Sure! Here is a great post about ${topicOf(messages)}. Let me know if you want changes.`;
  if (mode === "misshapen") return JSON.stringify({ answer: `About ${topicOf(messages)}`, confidence: 0.9 });
  const json = JSON.stringify(answer(shape, messages, mode));
  const jsonMode = (body.response_format as { type?: string } | undefined)?.type === "json_object";
  return jsonMode ? json : `Here is the JSON you asked for:\n\n\`\`\`json\n${json}\n\`\`\``;
}

function stream(id: string, model: string, text: string, usage: Record<string, number> | null): Response {
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, system_fingerprint: "fp_fake", choices, ...extra })}\n\n`;
  const pieces = text.match(/.{1,16}/gs) ?? [""];
  const events = [
    chunk([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]),
    ...pieces.map((p) => chunk([{ index: 0, delta: { content: p }, logprobs: null, finish_reason: null }])),
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]),
    ...(usage ? [chunk([], { usage })] : []),
    "data: [DONE]\n\n",
  ];
  return new Response(events.join(""), { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
}

export async function openaiFake(request: Request, options: Options = {}): Promise<Response> {
  const url = new URL(request.url);
  const mode = options.mode ?? modeOf(url.host);
  if (options.delayMs) await sleep(options.delayMs);
  const auth = request.headers.get("authorization") ?? "";
  if (!/^Bearer \S+/.test(auth)) return apiError(401, "You didn't provide an API key.", "invalid_request_error", null);
  if (auth === "Bearer sk-wrong") return apiError(401, "Incorrect API key provided: sk-wrong. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key");
  if (request.method !== "POST") return apiError(405, `Invalid method for URL (${request.method} ${url.pathname})`, "invalid_request_error", null);
  let body: Record<string, unknown>;
  try {
    body = (await request.json()) as Record<string, unknown>;
  } catch {
    return apiError(400, "We could not parse the JSON body of your request.", "invalid_request_error", null);
  }

  if (mode === "rate-limited") {
    return apiError(429, "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.", "requests", "rate_limit_exceeded", {
      "retry-after": "1",
      "x-ratelimit-limit-requests": "3",
      "x-ratelimit-remaining-requests": "0",
    });
  }
  if (mode === "down") return apiError(500, "The server had an error while processing your request. Sorry about that!", "server_error", null);
  if (mode === "slow") await sleep(1500);
  if (mode === "garbled") return new Response('{"id": "chatcmpl-fake", "choices": [{"message": {"content": "unterminated', { headers: { "content-type": "application/json" } });

  const model = typeof body.model === "string" ? body.model : "";
  if (!model) return apiError(400, "you must provide a model parameter", "invalid_request_error", null);
  if (model === "no-such-model") return apiError(404, `The model \`${model}\` does not exist or you do not have access to it.`, "invalid_request_error", "model_not_found");
  const created = Math.floor(Date.now() / 1000);

  if (url.pathname.endsWith("/images/generations")) {
    if (typeof body.prompt !== "string" || !body.prompt) return apiError(400, "'prompt' is a required property", "invalid_request_error", null);
    return Response.json({ created, data: [{ b64_json: FAKE_PNG_BASE64, revised_prompt: body.prompt }], usage: { input_tokens: tokens(body.prompt), output_tokens: 0, total_tokens: tokens(body.prompt) } });
  }
  if (!url.pathname.endsWith("/chat/completions")) return apiError(404, `Invalid URL (POST ${url.pathname})`, "invalid_request_error", null);
  const messages = body.messages as Message[] | undefined;
  if (!Array.isArray(messages) || messages.length === 0) return apiError(400, "'messages' is a required property", "invalid_request_error", null);

  const text = completionText(body, mode);
  const id = `chatcmpl-${crypto.randomUUID().replace(/-/g, "").slice(0, 24)}`;
  const usage = { prompt_tokens: tokens(messages.map((m) => m.content).join("\n")), completion_tokens: tokens(text), total_tokens: 0 };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  if (body.stream === true) {
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    return stream(id, model, text, includeUsage ? usage : null);
  }
  return Response.json({
    id,
    object: "chat.completion",
    created,
    model,
    system_fingerprint: "fp_fake",
    choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage,
  });
}
