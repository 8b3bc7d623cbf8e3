/**
 * A fake of Postmark's API, following its documentation: POST /email/batch with the
 * X-Postmark-Server-Token header and up to 500 messages, answered 200 with one result per message
 * (`ErrorCode` 0 and a MessageID when sent; 406 for an inactive recipient, here any address at
 * inactive.test); 401 `{"ErrorCode":10,…}` without a token; 422 `{"ErrorCode":300,…}` for an invalid
 * request. GET /messages/outbound?count&offset&tag searches sent messages by tag.
 */
export type PostmarkMessage = { to: string; from: string; subject: string; html: string; text: string; headers: Record<string, string>; tag: string | null; id: string };

const boxes = new Map<string, PostmarkMessage[]>();
const box = (token: string) => {
  let b = boxes.get(token);
  if (!b) boxes.set(token, (b = []));
  return b;
};

let counter = 0;

export async function postmarkFake(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/__fake/messages") return Response.json(box(url.searchParams.get("key") ?? ""));
  const token = request.headers.get("x-postmark-server-token");
  if (!token) return Response.json({ ErrorCode: 10, Message: "No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token." }, { status: 401 });
  if (url.pathname === "/messages/outbound" && request.method === "GET") {
    const tag = url.searchParams.get("tag");
    const count = Math.min(500, Number(url.searchParams.get("count") ?? 100));
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const found = box(token).filter((m) => !tag || m.tag === tag);
    return Response.json({ TotalCount: found.length, Messages: found.slice(offset, offset + count).map((m) => ({ MessageID: m.id, Recipients: [m.to], Tag: m.tag, Subject: m.subject, From: m.from, Status: "Sent" })) });
  }
  if (url.pathname !== "/email/batch" || request.method !== "POST") return Response.json({ ErrorCode: 404, Message: "Not found" }, { status: 404 });
  let messages: { From?: string; To?: string; Subject?: string; HtmlBody?: string; TextBody?: string; Headers?: { Name: string; Value: string }[]; Tag?: string }[];
  try {
    messages = await request.json();
  } catch {
    return Response.json({ ErrorCode: 402, Message: "Invalid JSON" }, { status: 422 });
  }
  if (!Array.isArray(messages) || messages.length > 500) return Response.json({ ErrorCode: 300, Message: "Invalid email request: a batch holds at most 500 messages." }, { status: 422 });
  const results = messages.map((m) => {
    if (!m.From || !m.To || (!m.HtmlBody && !m.TextBody)) return { ErrorCode: 300, Message: "Invalid email request" };
    const to = m.To.replace(/^.*<([^>]+)>$/, "$1");
    if (to.endsWith("@inactive.test")) return { ErrorCode: 406, Message: "You tried to send to a recipient that has been marked as inactive.", To: to };
    const id = `pm-${++counter}`;
    box(token).push({ to, from: m.From, subject: m.Subject ?? "", html: m.HtmlBody ?? "", text: m.TextBody ?? "", headers: Object.fromEntries((m.Headers ?? []).map((h) => [h.Name, h.Value])), tag: m.Tag ?? null, id });
    return { ErrorCode: 0, Message: "OK", MessageID: id, SubmittedAt: new Date().toISOString(), To: to };
  });
  return Response.json(results);
}
