/**
 * Outgoing webhooks through the api Worker: registering endpoints (https and public hosts only, the
 * secret shown once and sealed at rest), the test button, events emitted where things happen, the
 * delivery log, and who may do any of it. The receiver (test/fakes/webhook-receiver.ts) is written
 * from the Standard Webhooks spec and verifies every signature on its own.
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { database } from "../lib/db/client";
import { confirmToken, manageToken } from "../lib/email/links";
import { deliverWebhook, type DeliveryContext } from "../lib/webhooks/deliver";
import { verifyStandardWebhook, type Received } from "./fakes/webhook-receiver";
import { addMember, api, Browser, createToken, createWorkspace, destination, signUp } from "./support/client";

type Endpoint = { id: string; url: string; status: string; eventTypes: string[]; secret?: string };
type ErrorJson = { error: { code: string; message: string; fields?: Record<string, string> } };
type Delivery = { id: string; eventType: string; status: string; attempts: number; lastStatus: number | null; lastError: string | null };

const RECEIVER = "https://hooks.receiver.test";
let keyCounter = 0;
const newKey = () => `api-${Date.now()}-${++keyCounter}`;
const configure = (key: string, config: Record<string, unknown>) => fetch(`${RECEIVER}/__fake/config`, { method: "POST", body: JSON.stringify({ key, ...config }) });
const receivedAt = async (key: string) => (await (await fetch(`${RECEIVER}/__fake/received?key=${key}`)).json()) as Received[];
const ctx = (): DeliveryContext => ({ db: database(env.DB), tokenKey: env.TOKEN_KEY });

let owner: Browser;
let ws: string;
let token: string;
let editorToken: string;
let viewer: Browser;
let editor: Browser;
let other: Browser;
let otherWs: string;
let otherToken: string;

beforeAll(async () => {
  owner = await signUp("Wendy");
  ws = await createWorkspace(owner, "Hooks Co");
  token = await createToken(owner, ws, "write");
  await owner.post(`/w/${ws}/settings`, { name: "Hooks Co", timezone: "UTC", allowSelfApproval: "on" });
  viewer = await signUp("Vera");
  await addMember(owner, ws, viewer, "viewer");
  editor = await signUp("Eddie");
  // Editors cannot make tokens: made as an admin, then demoted (a token acts with its creator's current role).
  const editorId = await addMember(owner, ws, editor, "admin");
  editorToken = await createToken(editor, ws, "write");
  await api(token, "PATCH", `/workspaces/${ws}/members/${editorId}`, { role: "editor" });
  other = await signUp("Otto");
  otherWs = await createWorkspace(other, "Elsewhere");
  otherToken = await createToken(other, otherWs, "write");
});

async function register(key: string, eventTypes: string[], as = token, workspace = ws): Promise<Endpoint & { secret: string }> {
  const r = await api(as, "POST", `/workspaces/${workspace}/webhooks/endpoints`, { url: `${RECEIVER}/in/${key}`, description: "CRM sync", eventTypes });
  expect(r.status, await r.clone().text()).toBe(201);
  const endpoint = (await r.json()) as Endpoint & { secret: string };
  await configure(key, { secret: endpoint.secret });
  return endpoint;
}

const deliveriesOf = async (endpointId: string) =>
  (await env.DB.prepare("SELECT id, event_type AS eventType, status, payload FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY created_at").bind(endpointId).all<{ id: string; eventType: string; status: string; payload: string }>()).results;

describe("registering endpoints", () => {
  it("gives the whsec_ secret once, seals it at rest and never returns it again", async () => {
    const endpoint = await register(newKey(), ["content.approved"]);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint.status).toBe("active");
    const listed = await api(token, "GET", `/workspaces/${ws}/webhooks/endpoints`);
    const text = await listed.text();
    expect(text).toContain(endpoint.id);
    expect(text).not.toContain(endpoint.secret.slice(6));
    const row = await env.DB.prepare("SELECT secret_sealed AS sealed FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first<{ sealed: string }>();
    expect(row!.sealed.startsWith("v1.")).toBe(true);
    expect(row!.sealed).not.toContain(endpoint.secret.slice(6, 20));
    const page = await (await owner.get(`/w/${ws}/webhooks`)).text();
    expect(page).toContain(`/w/${ws}/webhooks/inbound`);
    expect(page).not.toContain(endpoint.secret.slice(6));
  });

  it("shows the secret in the UI's answer to the adding form only", async () => {
    const key = newKey();
    const body = new URLSearchParams({ url: `${RECEIVER}/in/${key}`, description: "", eventTypes: "send.finished" });
    body.append("eventTypes", "subscriber.added");
    const created = await postForm(owner, `/w/${ws}/webhooks`, body);
    expect(created.status).toBe(201);
    const html = await created.text();
    expect(html).toMatch(/value="whsec_[A-Za-z0-9+/=]+"/);
    const { endpoints } = (await (await api(token, "GET", `/workspaces/${ws}/webhooks/endpoints`)).json()) as { endpoints: Endpoint[] };
    expect(endpoints.find((e) => e.url.endsWith(key))!.eventTypes.sort()).toEqual(["send.finished", "subscriber.added"]);
  });

  it("refuses http, private and internal addresses, and bad events, with a 422 naming the field", async () => {
    const tries: [Record<string, unknown>, string, RegExp][] = [
      [{ url: "http://hooks.receiver.test/in/x", eventTypes: ["content.approved"] }, "url", /https/],
      [{ url: "https://10.1.2.3/hook", eventTypes: ["content.approved"] }, "url", /private address/],
      [{ url: "https://127.0.0.1/hook", eventTypes: ["content.approved"] }, "url", /loopback/],
      [{ url: "https://localhost/hook", eventTypes: ["content.approved"] }, "url", /internal host/],
      [{ url: "https://crm.internal-dns.test/hook", eventTypes: ["content.approved"] }, "url", /resolves to 10\.0\.0\.7/],
      [{ url: "https://169.254.169.254/latest", eventTypes: ["content.approved"] }, "url", /link-local/],
      [{ url: "not a url", eventTypes: ["content.approved"] }, "url", /https:\/\/ URL/],
      [{ url: `${RECEIVER}/in/x`, eventTypes: [] }, "eventTypes", /at least one/],
      [{ url: `${RECEIVER}/in/x`, eventTypes: ["content.deleted"] }, "eventTypes.0", /must be one of/],
    ];
    for (const [body, field, message] of tries) {
      const r = await api(token, "POST", `/workspaces/${ws}/webhooks/endpoints`, body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      const { error } = (await r.json()) as ErrorJson;
      expect(error.fields?.[field], JSON.stringify(error)).toMatch(message);
    }
    const form = await postForm(owner, `/w/${ws}/webhooks`, new URLSearchParams({ url: "http://hooks.receiver.test/in/x", eventTypes: "content.approved" }));
    expect(form.status).toBe(422);
    expect(await form.text()).toContain("must be an https URL");
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM webhook_endpoints WHERE url LIKE '%/in/x' OR url LIKE 'http:%'").first<{ n: number }>();
    expect(count!.n).toBe(0);
  });
});

/** A form post with repeated fields (the client helper takes a flat record). */
async function postForm(browser: Browser, path: string, body: URLSearchParams, htmx = true) {
  const flat = Object.fromEntries(body);
  if (body.getAll("eventTypes").length <= 1) return browser.post(path, flat, { htmx });
  // Repeated keys: send the encoded body through the same cookie-keeping request with our own content type.
  const csrf = browser.cookies.get("__Host-csrf") ?? "";
  return exports.default.fetch(
    new Request(`https://engine.test${path}`, {
      method: "POST",
      headers: {
        cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
        "x-csrf-token": csrf,
        "sec-fetch-site": "same-origin",
        origin: "https://engine.test",
        "content-type": "application/x-www-form-urlencoded",
        ...(htmx ? { "hx-request": "true" } : {}),
      },
      body: body.toString(),
      redirect: "manual",
    }),
  );
}

describe("the test button", () => {
  it("sends a signed webhook.test that the receiver verifies from the spec; a tampered body does not verify", async () => {
    const key = newKey();
    const endpoint = await register(key, ["send.finished"]);
    const r = await api(token, "POST", `/workspaces/${ws}/webhooks/endpoints/${endpoint.id}/test`);
    expect(r.status).toBe(200);
    const outcome = (await r.json()) as { delivered: boolean; status: number; deliveryId: string };
    expect(outcome).toMatchObject({ delivered: true, status: 200 });
    const [got] = await receivedAt(key);
    expect(got!.verified).toBe("ok");
    expect(got!.id).toBe(outcome.deliveryId);
    expect(got!.signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(JSON.parse(got!.body)).toMatchObject({ type: "webhook.test", data: { endpointId: endpoint.id } });
    // Verified again here, independently of the receiver, and tampering is caught.
    const headers = new Headers({ "webhook-id": got!.id!, "webhook-timestamp": got!.timestamp!, "webhook-signature": got!.signature! });
    expect(await verifyStandardWebhook(endpoint.secret, headers, got!.body)).toBe("ok");
    expect(await verifyStandardWebhook(endpoint.secret, headers, got!.body.replace("webhook.test", "webhook.tost"))).toBe("no matching signature");
    expect(await verifyStandardWebhook(`whsec_${btoa("another secret, 24 bytes!")}`, headers, got!.body)).toBe("no matching signature");
    const tampered = await fetch(`${RECEIVER}/in/${key}`, { method: "POST", headers, body: got!.body.replace("webhook.test", "webhook.tost") });
    expect(tampered.status).toBe(401);
  });

  it("shows the receiver's failure in the page fragment, and logs it without retrying", async () => {
    const key = newKey();
    const endpoint = await register(key, ["send.finished"]);
    await configure(key, { secret: endpoint.secret, failTimes: 1, failStatus: 503 });
    const r = await owner.post(`/w/${ws}/webhooks/endpoints/${endpoint.id}/test`, {}, { htmx: true });
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain("Test failed: Answered 503");
    expect(html).toContain("receiver is down for maintenance");
    const ok = await owner.post(`/w/${ws}/webhooks/endpoints/${endpoint.id}/test`, {}, { htmx: true });
    expect(await ok.text()).toContain("Test delivered: the endpoint answered 200");
    const log = (await (await api(token, "GET", `/workspaces/${ws}/webhooks/endpoints/${endpoint.id}/deliveries`)).json()) as { deliveries: Delivery[] };
    expect(log.deliveries.map((d) => [d.eventType, d.status, d.lastStatus])).toEqual([
      ["webhook.test", "delivered", 200],
      ["webhook.test", "failed", 503],
    ]);
    const row = await env.DB.prepare("SELECT failing_since AS f FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first<{ f: number | null }>();
    expect(row!.f).toBeNull();
  });
});

describe("events", () => {
  it("approving content emits content.approved to the endpoints subscribed to it, and only those", async () => {
    const key = newKey();
    const listening = await register(key, ["content.approved", "publication.published"]);
    const deaf = await register(newKey(), ["subscriber.added"]);
    const created = await api(token, "POST", `/workspaces/${ws}/content`, { kind: "post", title: "Hooked launch", variants: [{ platform: "bluesky", text: "Out soon" }] });
    const { id: contentId } = (await created.json()) as { id: string };
    for (const action of ["submit", "approve"]) expect((await api(token, "POST", `/workspaces/${ws}/content/${contentId}/transitions`, { action })).status).toBe(200);
    const rows = await deliveriesOf(listening.id);
    expect(rows.map((r) => r.eventType)).toEqual(["content.approved"]);
    expect(await deliveriesOf(deaf.id)).toEqual([]);
    const payload = JSON.parse(rows[0]!.payload) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({ type: "content.approved", data: { contentId, title: "Hooked launch", kind: "post" } });
    // The publisher's consumer sends it; here the same function, straight away.
    expect(await deliverWebhook(ctx(), rows[0]!.id)).toMatchObject({ delivered: true, status: 200 });
    const [got] = await receivedAt(key);
    expect(got!.verified).toBe("ok");
    expect(JSON.parse(got!.body)).toMatchObject({ type: "content.approved", data: { contentId } });
    // Sent once: the row is delivered and a second call finds nothing to claim.
    expect(await deliverWebhook(ctx(), rows[0]!.id)).toBeNull();
    expect(await receivedAt(key)).toHaveLength(1);
  });

  it("adding and unsubscribing a subscriber emit events carrying the address and no other personal data", async () => {
    const endpoint = await register(newKey(), ["subscriber.added", "subscriber.unsubscribed"]);
    const added = await api(token, "POST", `/workspaces/${ws}/subscribers`, { email: "hooked@example.com", firstName: "Hanna", lastName: "Hook", consentText: "Asked at the booth" });
    expect(added.status).toBe(201);
    const { id: subscriberId } = (await added.json()) as { id: string };
    const gone = await owner.post(`/w/${ws}/subscribers/${subscriberId}/unsubscribe`, {}, { htmx: true });
    expect(gone.status).toBeLessThan(400);
    const rows = await deliveriesOf(endpoint.id);
    expect(rows.map((r) => r.eventType)).toEqual(["subscriber.added", "subscriber.unsubscribed"]);
    for (const row of rows) {
      expect(row.payload).toContain("hooked@example.com");
      expect(row.payload).not.toContain("Hanna");
      expect(row.payload).not.toContain("Hook\"");
      expect(JSON.parse(row.payload).data.subscriberId).toBe(subscriberId);
    }
  });

  it("confirming through a signup form's link and one-click unsubscribing emit subscriber events too", async () => {
    const endpoint = await register(newKey(), ["subscriber.added", "subscriber.unsubscribed"]);
    const list = await api(token, "POST", `/workspaces/${ws}/lists`, { name: "Public hooks" });
    const { id: listId } = (await list.json()) as { id: string };
    const subscriberId = `sub_hook_${Date.now()}`;
    await env.DB.prepare("INSERT INTO subscribers (id, workspace_id, email, email_normalized, email_hash, status, source) VALUES (?, ?, 'Form@Example.com', 'form@example.com', 'hash-form', 'pending', 'form')")
      .bind(subscriberId, ws)
      .run();
    const confirmLink = `https://engine.test/email/confirm/${await confirmToken(env.SESSION_SECRET, subscriberId, listId)}`;
    expect((await exports.default.fetch(new Request(confirmLink, { method: "POST" }))).status).toBe(200);
    // A second click confirms nothing new.
    expect((await exports.default.fetch(new Request(confirmLink, { method: "POST" }))).status).toBe(200);
    const unsubscribeLink = `https://engine.test/email/unsubscribe/${await manageToken(env.SESSION_SECRET, { subscriberId, workspaceId: ws, sendId: null })}`;
    const oneClick = { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" };
    expect((await exports.default.fetch(new Request(unsubscribeLink, oneClick))).status).toBe(200);
    expect((await exports.default.fetch(new Request(unsubscribeLink, oneClick))).status).toBe(200);
    const rows = await deliveriesOf(endpoint.id);
    expect(rows.map((r) => r.eventType)).toEqual(["subscriber.added", "subscriber.unsubscribed"]);
    expect(JSON.parse(rows[0]!.payload).data).toEqual({ subscriberId, email: "Form@Example.com", source: "form", listIds: [listId] });
    expect(JSON.parse(rows[1]!.payload).data).toMatchObject({ subscriberId, email: "Form@Example.com" });
  });

  it("a disabled endpoint gets no new deliveries; enabling it again forgives its failures", async () => {
    const endpoint = await register(newKey(), ["subscriber.added"]);
    await env.DB.prepare("UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?").bind(Date.now() - 3600_000, endpoint.id).run();
    const off = await owner.post(`/w/${ws}/webhooks/endpoints/${endpoint.id}/disable`);
    expect(destination(off)).toBe(`/w/${ws}/webhooks/endpoints/${endpoint.id}`);
    await api(token, "POST", `/workspaces/${ws}/subscribers`, { email: "quiet@example.com", consentText: "Asked" });
    expect(await deliveriesOf(endpoint.id)).toEqual([]);
    const page = await (await owner.get(`/w/${ws}/webhooks/endpoints/${endpoint.id}`)).text();
    expect(page).toContain("disabled by a member");
    expect(page).toContain("Enable again");
    await owner.post(`/w/${ws}/webhooks/endpoints/${endpoint.id}/enable`);
    const row = await env.DB.prepare("SELECT status, failing_since AS f, disabled_reason AS reason FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first<{ status: string; f: number | null; reason: string | null }>();
    expect(row).toEqual({ status: "active", f: null, reason: null });
    await api(token, "POST", `/workspaces/${ws}/subscribers`, { email: "loud@example.com", consentText: "Asked" });
    expect((await deliveriesOf(endpoint.id)).map((d) => d.eventType)).toEqual(["subscriber.added"]);
  });
});

describe("managing endpoints", () => {
  it("changes events, pages the delivery log, and deletes only with confirmation", async () => {
    const endpoint = await register(newKey(), ["content.approved"]);
    const patched = await api(token, "PATCH", `/workspaces/${ws}/webhooks/endpoints/${endpoint.id}`, { eventTypes: ["send.finished", "send.finished"] });
    expect(((await patched.json()) as Endpoint).eventTypes).toEqual(["send.finished"]);
    const emptied = await postForm(owner, `/w/${ws}/webhooks/endpoints/${endpoint.id}`, new URLSearchParams({ description: "x" }));
    expect(emptied.status).toBe(422);
    expect(await emptied.text()).toContain("choose at least one event");

    const insert = env.DB.prepare(
      "INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event_id, event_type, payload, status, attempts, created_at) VALUES (?, ?, ?, ?, 'send.finished', '{}', 'delivered', 1, ?)",
    );
    await env.DB.batch(Array.from({ length: 30 }, (_, i) => insert.bind(`msg_${i.toString(16).padStart(32, "0")}`, endpoint.id, ws, `evt_${i}`, 1_700_000_000_000 + i * 1000)));
    const first = (await (await api(token, "GET", `/workspaces/${ws}/webhooks/endpoints/${endpoint.id}/deliveries`)).json()) as { deliveries: Delivery[]; nextBefore: string };
    expect(first.deliveries).toHaveLength(25);
    const second = (await (await api(token, "GET", `/workspaces/${ws}/webhooks/endpoints/${endpoint.id}/deliveries?before=${first.nextBefore}`)).json()) as { deliveries: Delivery[]; nextBefore: string | null };
    expect(second.deliveries).toHaveLength(5);
    expect(second.nextBefore).toBeNull();
    expect(new Set([...first.deliveries, ...second.deliveries].map((d) => d.id)).size).toBe(30);
    const bad = await api(token, "GET", `/workspaces/${ws}/webhooks/endpoints/${endpoint.id}/deliveries?before=yesterday`);
    expect(bad.status).toBe(422);
    const page = await (await owner.get(`/w/${ws}/webhooks/endpoints/${endpoint.id}`)).text();
    expect(page).toContain("Older deliveries");

    const unconfirmed = await owner.post(`/w/${ws}/webhooks/endpoints/${endpoint.id}/delete`, {}, { htmx: true });
    expect(unconfirmed.status).toBe(422);
    const deleted = await owner.post(`/w/${ws}/webhooks/endpoints/${endpoint.id}/delete`, { confirm: "yes" });
    expect(destination(deleted)).toBe(`/w/${ws}/webhooks`);
    expect(await deliveriesOf(endpoint.id)).toEqual([]);
    expect((await api(token, "DELETE", `/workspaces/${ws}/webhooks/endpoints/${endpoint.id}`)).status).toBe(404);
  });
});

describe("access", () => {
  it("another workspace sees nothing: 404 for the pages and every route, by path or by endpoint id", async () => {
    const endpoint = await register(newKey(), ["content.approved"]);
    expect((await other.get(`/w/${ws}/webhooks`)).status).toBe(404);
    expect((await other.get(`/w/${ws}/webhooks/endpoints/${endpoint.id}`)).status).toBe(404);
    expect((await api(otherToken, "GET", `/workspaces/${ws}/webhooks/endpoints`)).status).toBe(404);
    // Their own workspace in the path, our endpoint's id: not found either.
    const base = `/workspaces/${otherWs}/webhooks/endpoints/${endpoint.id}`;
    expect((await api(otherToken, "GET", `${base}/deliveries`)).status).toBe(404);
    expect((await api(otherToken, "POST", `${base}/test`)).status).toBe(404);
    expect((await api(otherToken, "PATCH", base, { active: false })).status).toBe(404);
    expect((await api(otherToken, "DELETE", base)).status).toBe(404);
    expect((await other.get(`/w/${otherWs}/webhooks/endpoints/${endpoint.id}`)).status).toBe(404);
    const { endpoints } = (await (await api(otherToken, "GET", `/workspaces/${otherWs}/webhooks/endpoints`)).json()) as { endpoints: Endpoint[] };
    expect(endpoints).toEqual([]);
    // Their events never reach our endpoints.
    await api(otherToken, "POST", `/workspaces/${otherWs}/subscribers`, { email: "theirs@example.com", consentText: "Asked" });
    const ours = await register(newKey(), ["subscriber.added"]);
    await api(otherToken, "POST", `/workspaces/${otherWs}/subscribers`, { email: "theirs2@example.com", consentText: "Asked" });
    expect(await deliveriesOf(ours.id)).toEqual([]);
    const row = await env.DB.prepare("SELECT status FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first<{ status: string }>();
    expect(row!.status).toBe("active");
  });

  it("viewers and editors may not see or manage webhooks", async () => {
    const endpoint = await register(newKey(), ["content.approved"]);
    for (const person of [viewer, editor]) {
      expect((await person.get(`/w/${ws}/webhooks`)).status).toBe(403);
      expect((await person.get(`/w/${ws}/webhooks/endpoints/${endpoint.id}`)).status).toBe(403);
      expect((await person.post(`/w/${ws}/webhooks/endpoints/${endpoint.id}/test`, {}, { htmx: true })).status).toBe(403);
      expect((await person.post(`/w/${ws}/webhooks/endpoints/${endpoint.id}/delete`, { confirm: "yes" })).status).toBe(403);
    }
    expect((await api(editorToken, "GET", `/workspaces/${ws}/webhooks/endpoints`)).status).toBe(403);
    expect((await api(editorToken, "POST", `/workspaces/${ws}/webhooks/endpoints`, { url: `${RECEIVER}/in/x`, eventTypes: ["content.approved"] })).status).toBe(403);
    expect((await api(editorToken, "DELETE", `/workspaces/${ws}/webhooks/endpoints/${endpoint.id}`)).status).toBe(403);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first<{ n: number }>())!.n).toBe(1);
  });
});
