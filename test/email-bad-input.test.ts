/**
 * Bad input on every email form and endpoint gets a 4xx with a message, never a 500: wrong types,
 * missing fields, malformed JSON, unknown ids, oversized values, garbage tokens, the wrong content
 * type. Each case names what it sends; all failures are reported together.
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { configureEmail } from "./email.support";
import { api, Browser, createToken, createWorkspace, ORIGIN, signUp } from "./support/client";

let owner: Browser;
let ws: string;
let token: string;
let ids: { list: string; subscriber: string; newsletter: string; segment: string; send: string };

beforeAll(async () => {
  owner = await signUp("Bea");
  ws = await createWorkspace(owner, "Bad input");
  token = await createToken(owner, ws, "write");
  await configureEmail(token, ws);
  const json = async (r: Response) => (await r.json()) as { id: string };
  const list = (await json(await api(token, "POST", `/workspaces/${ws}/lists`, { name: "L" }))).id;
  const subscriber = (await json(await api(token, "POST", `/workspaces/${ws}/subscribers`, { email: "sub@example.com", consentText: "Asked in person" }))).id;
  const newsletter = (await json(await api(token, "POST", `/workspaces/${ws}/newsletters`, { subject: "S" }))).id;
  const segment = (await json(await api(token, "POST", `/workspaces/${ws}/segments`, { name: "Seg", rules: { conditions: [{ field: "tag", op: "has", value: "x" }] } }))).id;
  const send = (await json(await api(token, "POST", `/workspaces/${ws}/newsletters/${newsletter}/sends`, { scheduledAt: new Date(Date.now() + 86_400_000).toISOString() }))).id;
  ids = { list, subscriber, newsletter, segment, send };
});

/** `inline`: a live partial (htmx swaps only 2xx answers) may answer 200 with the problem shown. */
type Case = { name: string; response: () => Promise<Response>; inline?: RegExp };

async function expectAll4xx(cases: Case[]) {
  const wrong: string[] = [];
  for (const c of cases) {
    const response = await c.response();
    const text = await response.text();
    if (c.inline && response.status === 200 && c.inline.test(text)) continue;
    if (response.status < 400 || response.status >= 500) wrong.push(`${c.name}: ${response.status} ${text.slice(0, 200)}`);
    else if (!text.trim()) wrong.push(`${c.name}: ${response.status} with no message`);
  }
  expect(wrong).toEqual([]);
}

const long = "x".repeat(5000);

describe("bad input on the email API", () => {
  it("is a 4xx with a message on every endpoint", async () => {
    const b = `/workspaces/${ws}`;
    const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => () => api(token, method, path, body, headers);
    await expectAll4xx([
      { name: "subscriber: email a number", response: call("POST", `${b}/subscribers`, { email: 5, consentText: "Asked in person" }) },
      { name: "subscriber: tags a string of objects", response: call("POST", `${b}/subscribers`, { email: "t@example.com", consentText: "Asked in person", tags: [{}] }) },
      { name: "subscriber: attributes an array", response: call("POST", `${b}/subscribers`, { email: "t@example.com", consentText: "Asked in person", attributes: [1, 2] }) },
      { name: "subscriber: a 5,000-character name", response: call("POST", `${b}/subscribers`, { email: "t@example.com", consentText: "Asked in person", firstName: long }) },
      { name: "subscriber: malformed JSON", response: call("POST", `${b}/subscribers`, "{", { "content-type": "application/json" }) },
      { name: "subscriber: not JSON", response: call("POST", `${b}/subscribers`, "email=x", { "content-type": "text/plain" }) },
      { name: "subscriber: a JSON array", response: call("POST", `${b}/subscribers`, [1]) },
      { name: "subscriber update: listIds a number", response: call("PATCH", `${b}/subscribers/${ids.subscriber}`, { listIds: 5 }) },
      { name: "subscriber update: an unknown list", response: call("PATCH", `${b}/subscribers/${ids.subscriber}`, { listIds: ["lst_nope"] }) },
      { name: "subscriber: unknown id", response: call("GET", `${b}/subscribers/sub_nope`) },
      { name: "subscriber list: unknown status", response: call("GET", `${b}/subscribers?status=happy`) },
      { name: "list: empty name", response: call("POST", `${b}/lists`, { name: "" }) },
      { name: "list: duplicate name", response: call("POST", `${b}/lists`, { name: "L" }) },
      { name: "segment: rules a string", response: call("POST", `${b}/segments`, { name: "S2", rules: "tag=x" }) },
      { name: "segment: unknown field", response: call("POST", `${b}/segments`, { name: "S3", rules: { conditions: [{ field: "shoe size", op: "has", value: "x" }] } }) },
      { name: "segment count: rules a number", response: call("POST", `${b}/segments/count`, { rules: 5 }) },
      { name: "segment: delete unknown", response: call("DELETE", `${b}/segments/seg_nope`) },
      { name: "import: csv a number", response: call("POST", `${b}/imports`, { csv: 5, consentText: "Customers at checkout" }) },
      { name: "import: empty file", response: call("POST", `${b}/imports`, { csv: "", consentText: "Customers at checkout" }) },
      { name: "import: consent too short", response: call("POST", `${b}/imports`, { csv: "email\na@example.com", consentText: "ok" }) },
      { name: "import: unknown list", response: call("POST", `${b}/imports`, { csv: "email\na@example.com", consentText: "Customers at checkout", listId: "lst_nope" }) },
      { name: "import: unknown id", response: call("GET", `${b}/imports/imp_nope`) },
      { name: "newsletter: subject a number", response: call("POST", `${b}/newsletters`, { subject: 5 }) },
      { name: "newsletter: 21 content items", response: call("POST", `${b}/newsletters`, { subject: "x", contentIds: Array.from({ length: 21 }, (_, i) => `cnt_${i}`) }) },
      { name: "newsletter update: empty body", response: call("PUT", `${b}/newsletters/${ids.newsletter}`, {}) },
      { name: "newsletter: unknown id", response: call("GET", `${b}/newsletters/nwl_nope`) },
      { name: "test send: six addresses", response: call("POST", `${b}/newsletters/${ids.newsletter}/test`, { to: ["a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test", "f@x.test"] }) },
      { name: "test send: to a number", response: call("POST", `${b}/newsletters/${ids.newsletter}/test`, { to: 5 }) },
      { name: "send: scheduledAt a word", response: call("POST", `${b}/newsletters/${ids.newsletter}/sends`, { scheduledAt: "soon" }) },
      { name: "send: an unknown segment", response: call("POST", `${b}/newsletters/${ids.newsletter}/sends`, { segmentId: "seg_nope" }) },
      { name: "send: pause a scheduled send", response: call("POST", `${b}/sends/${ids.send}/pause`) },
      { name: "send: resume a scheduled send", response: call("POST", `${b}/sends/${ids.send}/resume`) },
      { name: "send: unknown id", response: call("GET", `${b}/sends/snd_nope`) },
      { name: "settings: rate a word", response: call("PUT", `${b}/email-settings`, { provider: "sendgrid", fromEmail: "a@acme.test", fromName: "A", unsubscribeMailto: "u@acme.test", ratePerSecond: "fast" }) },
      { name: "settings: rate too high", response: call("PUT", `${b}/email-settings`, { provider: "sendgrid", fromEmail: "a@acme.test", fromName: "A", unsubscribeMailto: "u@acme.test", ratePerSecond: 1e9 }) },
      { name: "settings: from not an address", response: call("PUT", `${b}/email-settings`, { provider: "sendgrid", fromEmail: "acme", fromName: "A", unsubscribeMailto: "u@acme.test", ratePerSecond: 10 }) },
      { name: "settings: tracking a number", response: call("PUT", `${b}/email-settings`, { provider: "sendgrid", fromEmail: "a@acme.test", fromName: "A", unsubscribeMailto: "u@acme.test", ratePerSecond: 10, trackingEnabled: 7 }) },
    ]);
  });
});

describe("bad input on the email forms", () => {
  it("is a 4xx with a message on every form", async () => {
    const w = `/w/${ws}`;
    const post = (path: string, form: Record<string, string>) => () => owner.post(path, form);
    await expectAll4xx([
      { name: "add subscriber: nothing", response: post(`${w}/subscribers`, {}) },
      { name: "add subscriber: bad address", response: post(`${w}/subscribers`, { email: "nope", consentText: "Asked in person" }) },
      { name: "update subscriber: a 5,000-character name", response: post(`${w}/subscribers/${ids.subscriber}`, { firstName: long }) },
      { name: "update subscriber: unknown", response: post(`${w}/subscribers/sub_nope`, { firstName: "x" }) },
      { name: "new list: nothing", response: post(`${w}/subscribers/lists`, {}) },
      { name: "new segment: no name", response: post(`${w}/subscribers/segments`, { name: "", c0_field: "tag", c0_op: "has", c0_value: "x" }) },
      { name: "new segment: a field that does not exist", response: post(`${w}/subscribers/segments`, { name: "S", c0_field: "shoe", c0_op: "has", c0_value: "x" }) },
      { name: "new segment: a date that is not one", response: post(`${w}/subscribers/segments`, { name: "S", c0_field: "signup", c0_op: "before", c0_value: "yesterday" }) },
      { name: "segment count: a bad operator", response: post(`${w}/subscribers/segments/count`, { c0_field: "tag", c0_op: "likes", c0_value: "x" }), inline: /expected one of/ },
      { name: "delete segment: unknown", response: post(`${w}/subscribers/segments/seg_nope/delete`, {}) },
      { name: "import: no file", response: post(`${w}/subscribers/import`, { consentText: "Customers at checkout" }) },
      { name: "new newsletter: nothing", response: post(`${w}/newsletters`, {}) },
      { name: "edit newsletter: a 300-character subject", response: post(`${w}/newsletters/${ids.newsletter}`, { subject: long.slice(0, 300) }) },
      { name: "test send: not an address", response: post(`${w}/newsletters/${ids.newsletter}/test`, { to: "someone" }) },
      { name: "send: a time that is not one", response: post(`${w}/newsletters/${ids.newsletter}/send`, { listId: "", segmentId: "", scheduledAt: "next tuesday" }) },
      { name: "send: an unknown list", response: post(`${w}/newsletters/${ids.newsletter}/send`, { listId: "lst_nope", segmentId: "", scheduledAt: "" }) },
      { name: "send: cancel twice", response: async () => (await owner.post(`${w}/newsletters/sends/${ids.send}/cancel`, {}), owner.post(`${w}/newsletters/sends/${ids.send}/cancel`, {})) },
      { name: "settings: a rate that is a word", response: post(`${w}/newsletters/settings`, { provider: "sendgrid", apiKey: "", fromEmail: "a@acme.test", fromName: "A", unsubscribeMailto: "u@acme.test", ratePerSecond: "fast", postalAddress: "" }) },
      { name: "settings: an unknown provider", response: post(`${w}/newsletters/settings`, { provider: "carrier-pigeon", apiKey: "k", fromEmail: "a@acme.test", fromName: "A", unsubscribeMailto: "u@acme.test", ratePerSecond: "10", postalAddress: "" }) },
    ]);
  });
});

describe("bad input on the public pages", () => {
  it("is a 4xx with a message, whatever arrives", async () => {
    const raw = (method: string, path: string, body?: string, type = "application/x-www-form-urlencoded") => () =>
      exports.default.fetch(new Request(ORIGIN + path, { method, body, headers: body === undefined ? {} : { "content-type": type, "cf-connecting-ip": `192.0.2.${Math.floor(Math.random() * 250)}` } }));
    await expectAll4xx([
      { name: "signup: JSON instead of a form", response: raw("POST", `/email/subscribe/${ids.list}`, JSON.stringify({ email: "a@example.com", consent: "on" }), "application/json") },
      { name: "signup: no body", response: raw("POST", `/email/subscribe/${ids.list}`, "") },
      { name: "signup: a 300-character address", response: raw("POST", `/email/subscribe/${ids.list}`, `email=${"a".repeat(290)}%40example.com&consent=on`) },
      { name: "signup: a 5,000-character name", response: raw("POST", `/email/subscribe/${ids.list}`, `email=a%40example.com&consent=on&first_name=${long}`) },
      { name: "signup: consent not ticked", response: raw("POST", `/email/subscribe/${ids.list}`, "email=a%40example.com&consent=yes") },
      { name: "signup: unknown list", response: raw("POST", "/email/subscribe/lst_nope", "email=a%40example.com&consent=on") },
      { name: "confirm: a garbage token", response: raw("POST", "/email/confirm/garbage", "") },
      { name: "confirm: a token without dots", response: raw("GET", "/email/confirm/%00%ff") },
      { name: "unsubscribe: a garbage token", response: raw("POST", "/email/unsubscribe/garbage", "List-Unsubscribe=One-Click") },
      { name: "preferences: a garbage token", response: raw("POST", "/email/preferences/garbage", "first_name=x") },
      { name: "data export: a garbage token", response: raw("GET", "/email/preferences/garbage/data.json") },
      { name: "erase: a garbage token", response: raw("POST", "/email/preferences/garbage/erase", "sure=on") },
      { name: "click: a garbage token", response: raw("GET", "/email/c/garbage") },
      { name: "webhook: no key configured", response: raw("POST", `/api/webhooks/email/sendgrid/${ws}`, "[]", "application/json") },
      { name: "webhook: unknown workspace", response: raw("POST", "/api/webhooks/email/sendgrid/ws_nope", "[]", "application/json") },
    ]);
    // Nothing was written by any of it.
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM subscribers WHERE workspace_id = ? AND email_normalized = 'a@example.com'").bind(ws).first()).toEqual({ n: 0 });
  });
});
