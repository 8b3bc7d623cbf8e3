/**
 * A fake of SendGrid's v3 API, following its documentation: Mail Send (POST /v3/mail/send, Bearer
 * key, 202 with X-Message-Id and no body; 400 `{"errors":[{message, field, help}]}` for at most
 * 1,000 personalizations, at most 1,000 recipients, each address once per request, text/plain
 * before text/html, a subject for every personalization, substitutions and custom_args within
 * 10,000 bytes each; 401 for a bad key; 413 over 30 MB) and the Email Activity API
 * (GET /v3/messages?query=unique_args['k']="v"; 403 without the add-on).
 *
 * Each message is stored as the recipient would get it (substitutions applied, headers included),
 * per API key, so concurrent test files do not see each other's mail. Test-only controls live under
 * /__fake/: the mailbox, and faults (answer 500/429, or drop the connection before or after
 * accepting a request) to play crashes.
 */
export type SentMessage = {
  to: string;
  name: string | null;
  from: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  customArgs: Record<string, string>;
  msgId: string;
  at: number;
};

type Fault = "drop-before-accept" | "drop-after-accept" | "status-500" | "status-429";

type Account = { messages: SentMessage[]; requests: number; faults: Map<number, Fault>; delayMs: number };

const accounts = new Map<string, Account>();
/** The benchmark keeps only who got what (not 100,000 bodies) in memory. */
let lean = false;

function account(key: string): Account {
  let a = accounts.get(key);
  if (!a) accounts.set(key, (a = { messages: [], requests: 0, faults: new Map(), delayMs: 0 }));
  return a;
}

const RESERVED_HEADERS = new Set(["x-sg-id", "x-sg-eid", "received", "dkim-signature", "content-type", "content-transfer-encoding", "to", "from", "subject", "reply-to", "cc", "bcc"]);

const error = (status: number, message: string, field: string | null = null) =>
  Response.json({ errors: [{ message, field, help: null }] }, { status });

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value ?? {})).byteLength;

function apply(template: string, substitutions: Record<string, string>): string {
  const keys = Object.keys(substitutions).sort((a, b) => b.length - a.length);
  if (keys.length === 0) return template;
  const pattern = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return template.replace(pattern, (k) => substitutions[k]!);
}

type Personalization = {
  to?: { email?: string; name?: string }[];
  cc?: unknown[];
  bcc?: unknown[];
  subject?: string;
  substitutions?: Record<string, string>;
  headers?: Record<string, string>;
  custom_args?: Record<string, string>;
};

type MailSend = {
  personalizations?: Personalization[];
  from?: { email?: string; name?: string };
  subject?: string;
  content?: { type?: string; value?: string }[];
  headers?: Record<string, string>;
};

let messageCounter = 0;

async function mailSend(request: Request, key: string): Promise<Response> {
  const a = account(key);
  const n = ++a.requests;
  const fault = a.faults.get(n);
  // The body is always read first: an answer before it confuses the runtime, not the client.
  const raw = await request.text();
  // A dropped connection: the client gets no answer at all (a network error), as when a Worker is
  // killed mid-request or the network fails.
  if (fault === "drop-before-accept") {
    return Response.error();
  }
  if (fault === "status-500") return error(500, "Internal server error");
  if (fault === "status-429") return new Response(JSON.stringify({ errors: [{ field: null, message: "too many requests" }] }), { status: 429, headers: { "retry-after": "1" } });
  if (raw.length > 30 * 1024 * 1024) return error(413, "The JSON payload you have included in your request is too large.");
  let body: MailSend;
  try {
    body = JSON.parse(raw) as MailSend;
  } catch {
    return error(400, "Bad Request", null);
  }
  const ps = body.personalizations ?? [];
  if (ps.length === 0) return error(400, "You must have at least one personalization.", "personalizations");
  if (ps.length > 1000) return error(400, `The personalization block is limited to 1000 personalizations per API request. You have provided ${ps.length} personalizations. Please consider splitting this into multiple requests and resending your request.`, "personalizations");
  const recipients = ps.reduce((sum, p) => sum + (p.to?.length ?? 0) + (p.cc?.length ?? 0) + (p.bcc?.length ?? 0), 0);
  if (recipients > 1000) return error(400, "There is a limit of 1000 total recipients (to + cc + bcc) per request.", "personalizations");
  if (!body.from?.email) return error(400, "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.", "from");
  const content = body.content ?? [];
  if (content.length === 0 || content.some((c) => !c.value)) return error(400, "The content value must be a string at least one character in length.", "content.0.value");
  if (content.length > 1 && content.findIndex((c) => c.type === "text/plain") > 0) return error(400, "If present, text/plain content must be first, followed by text/html, followed by any other content.", "content");
  const seen = new Set<string>();
  for (const [i, p] of ps.entries()) {
    if (!p.to?.length || p.to.some((t) => !t.email)) return error(400, "The to parameter is required for all personalization objects, and must have at least one email object with a valid email address.", `personalizations.${i}.to`);
    for (const t of p.to) {
      const address = t.email!.toLowerCase();
      if (seen.has(address)) return error(400, `Each unique email address in the personalizations array should only be included once. You have included ${t.email} more than once.`, `personalizations.${i}.to`);
      seen.add(address);
    }
    if (!p.subject && !body.subject) return error(400, "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.", "subject");
    if (bytes(p.substitutions) > 10_000) return error(400, "The total size of your substitutions may not exceed 10,000 bytes per personalization object.", `personalizations.${i}.substitutions`);
    if (bytes(p.custom_args) > 10_000) return error(400, "The total size of your custom arguments may not exceed 10,000 bytes per personalization object.", `personalizations.${i}.custom_args`);
    for (const name of Object.keys(p.headers ?? {})) if (RESERVED_HEADERS.has(name.toLowerCase())) return error(400, `The header ${name} is reserved.`, `personalizations.${i}.headers`);
  }
  const msgId = `fake${(++messageCounter).toString(36)}${Date.now().toString(36)}`;
  const text = content.find((c) => c.type === "text/plain")?.value ?? "";
  const html = content.find((c) => c.type === "text/html")?.value ?? "";
  for (const p of ps) {
    const subs = p.substitutions ?? {};
    for (const t of p.to!) {
      a.messages.push({
        to: t.email!,
        name: t.name ?? null,
        from: body.from.email,
        subject: lean ? "" : apply(p.subject ?? body.subject ?? "", subs),
        text: lean ? "" : apply(text, subs),
        html: lean ? "" : apply(html, subs),
        headers: lean ? {} : { ...body.headers, ...p.headers },
        customArgs: p.custom_args ?? {},
        msgId,
        at: Date.now(),
      });
    }
  }
  if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
  if (fault === "drop-after-accept") return Response.error();
  return new Response(null, { status: 202, headers: { "x-message-id": msgId } });
}

function activity(url: URL, key: string): Response {
  if (key.startsWith("SG.noactivity")) return error(403, "access forbidden");
  const query = url.searchParams.get("query") ?? "";
  const limit = Math.min(1000, Number(url.searchParams.get("limit") ?? 10));
  const match = query.match(/^unique_args\['([^']+)'\]="([^"]*)"$/);
  if (!match) return error(400, "invalid query", "query");
  const [, name, value] = match;
  const messages = account(key)
    .messages.filter((m) => m.customArgs[name!] === value)
    .slice(0, limit)
    .map((m) => ({ from_email: m.from, msg_id: m.msgId, subject: m.subject, to_email: m.to, status: "delivered", opens_count: 0, clicks_count: 0, last_event_time: new Date(m.at).toISOString() }));
  return Response.json({ messages });
}

/** Test controls: `GET /__fake/messages?key=…`, `POST /__fake/faults` `{key, request, fault}` or `{key, delayMs}`. */
async function controls(request: Request, url: URL): Promise<Response> {
  if (url.pathname === "/__fake/messages") return Response.json(account(url.searchParams.get("key") ?? "").messages);
  if (url.pathname === "/__fake/faults" && request.method === "POST") {
    const body = (await request.json()) as { key: string; request?: number; fault?: Fault; delayMs?: number };
    const a = account(body.key);
    if (body.request && body.fault) a.faults.set(body.request, body.fault);
    if (body.delayMs !== undefined) a.delayMs = body.delayMs;
    return Response.json({ ok: true });
  }
  return new Response("not found", { status: 404 });
}

export async function sendgridFake(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/__fake/")) return controls(request, url);
  const auth = request.headers.get("authorization") ?? "";
  const key = auth.startsWith("Bearer ") ? auth.slice(7) : "";
  if (!key.startsWith("SG.")) return error(401, "The provided authorization grant is invalid, expired, or revoked");
  if (url.pathname === "/v3/mail/send" && request.method === "POST") return mailSend(request, key);
  if (url.pathname === "/v3/messages" && request.method === "GET") return activity(url, key);
  return error(404, "not found");
}

/**
 * The same fake as a local HTTP server, for `wrangler dev` runs (browser tests, the benchmark),
 * whose Workers reach it through EMAIL_API_BASE_URL. `latencyMs` delays every Mail Send answer.
 */
export async function serveSendgrid(options: { port?: number; latencyMs?: number; lean?: boolean } = {}) {
  lean = options.lean ?? false;
  const { createServer } = await import("node:http");
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: req.method === "GET" ? undefined : body });
    if (options.latencyMs && req.url?.startsWith("/v3/mail/send")) await new Promise((r) => setTimeout(r, options.latencyMs));
    const response = await sendgridFake(request);
    if (response.type === "error") return void res.destroy();
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  // Node closes an idle kept-alive connection after 5 s; a client that reuses it just then loses its
  // request ("Network connection lost"), which a busy machine turns into a fault SendGrid's own
  // front end (idle connections kept for minutes) does not have. The fake keeps them a minute.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, messages: (key: string) => account(key).messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
