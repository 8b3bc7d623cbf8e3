/**
 * A fake of Resend's batch endpoint, following its documentation: POST /emails/batch with a Bearer
 * `re_…` key and up to 100 emails (each with from, to (at most 50), subject, and html or text);
 * 200 `{"data":[{"id"}]}` in order. An Idempotency-Key replayed with the same body returns the first
 * answer without sending again; with a different body it is a 409 `invalid_idempotent_request`.
 * Errors are `{"statusCode","name","message"}`: 401 missing_api_key, 403 invalid_api_key,
 * 422 validation_error. Mail is stored per key; `GET /__fake/messages?key=…` reads it.
 */
export type ResendMessage = { to: string; from: string; subject: string; html: string; text: string; headers: Record<string, string>; id: string };

type Account = { messages: ResendMessage[]; idempotency: Map<string, { body: string; answer: unknown }>; faults: Map<number, "drop-after-accept">; requests: number };
const accounts = new Map<string, Account>();
const account = (key: string) => {
  let a = accounts.get(key);
  if (!a) accounts.set(key, (a = { messages: [], idempotency: new Map(), faults: new Map(), requests: 0 }));
  return a;
};

const fail = (statusCode: number, name: string, message: string) => Response.json({ statusCode, name, message }, { status: statusCode });

let counter = 0;

export async function resendFake(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/__fake/messages") return Response.json(account(url.searchParams.get("key") ?? "").messages);
  if (url.pathname === "/__fake/faults" && request.method === "POST") {
    const body = (await request.json()) as { key: string; request: number; fault: "drop-after-accept" };
    account(body.key).faults.set(body.request, body.fault);
    return Response.json({ ok: true });
  }
  const auth = request.headers.get("authorization") ?? "";
  if (!auth.startsWith("Bearer ")) return fail(401, "missing_api_key", "Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY");
  const key = auth.slice(7);
  if (!key.startsWith("re_")) return fail(403, "invalid_api_key", "API key is invalid");
  if (url.pathname !== "/emails/batch" || request.method !== "POST") return fail(404, "not_found", "The requested endpoint does not exist.");
  const a = account(key);
  const raw = await request.text();
  const idempotencyKey = request.headers.get("idempotency-key");
  if (idempotencyKey) {
    const seen = a.idempotency.get(idempotencyKey);
    if (seen && seen.body !== raw) return fail(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload.");
    if (seen) return Response.json(seen.answer);
  }
  let emails: { from?: string; to?: string | string[]; subject?: string; html?: string; text?: string; headers?: Record<string, string> }[];
  try {
    emails = JSON.parse(raw);
  } catch {
    return fail(422, "validation_error", "Invalid JSON");
  }
  if (!Array.isArray(emails) || emails.length === 0 || emails.length > 100) return fail(422, "validation_error", "The batch must contain between 1 and 100 emails.");
  for (const e of emails) {
    const to = ([] as string[]).concat(e.to ?? []);
    if (!e.from) return fail(422, "validation_error", "The `from` field is required.");
    if (to.length === 0 || to.length > 50) return fail(422, "validation_error", "The `to` field must contain between 1 and 50 addresses.");
    if (!e.subject) return fail(422, "validation_error", "The `subject` field is required.");
    if (!e.html && !e.text) return fail(422, "validation_error", "Either `html` or `text` must be provided.");
  }
  const n = ++a.requests;
  const data = emails.map((e) => {
    const id = `re-${++counter}`;
    for (const to of ([] as string[]).concat(e.to!)) a.messages.push({ to: to.replace(/^.*<([^>]+)>$/, "$1"), from: e.from!, subject: e.subject!, html: e.html ?? "", text: e.text ?? "", headers: e.headers ?? {}, id });
    return { id };
  });
  const answer = { data };
  if (idempotencyKey) a.idempotency.set(idempotencyKey, { body: raw, answer });
  if (a.faults.get(n) === "drop-after-accept") return Response.error();
  return Response.json(answer);
}
