/**
 * What subscribers do without an account: sign up through the hosted or an embedded form (from
 * another site, without CSRF tokens), with a honeypot and rate limits; double opt-in through the
 * signed link, at most one confirmation per 24 hours; one-click unsubscribe (RFC 8058) from the
 * List-Unsubscribe header; preferences; GDPR export and erasure; and the SendGrid Event Webhook.
 */
import { env, exports } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { beforeAll, describe, expect, it } from "vitest";
import { database } from "../lib/db/client";
import { publicList, signUp as publicSignUp } from "../workers/api/public/service";
import { configureEmail, mailbox } from "./email.support";
import { api, createToken, createWorkspace, ORIGIN, signUp } from "./support/client";

let owner: Awaited<ReturnType<typeof signUp>>;
let workspaceId: string;
let token: string;
let listId: string;
let apiKey: string;
let ipCounter = 0;

/** A POST from a page on another site, as an embedded form sends it: no cookies, no CSRF token. */
function crossSite(path: string, form: Record<string, string>, ip = `203.0.113.${++ipCounter}`) {
  return exports.default.fetch(
    new Request(ORIGIN + path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://blog.example", "sec-fetch-site": "cross-site", "cf-connecting-ip": ip, "user-agent": "TestBrowser/1.0" },
      body: new URLSearchParams(form).toString(),
    }),
  );
}

const get = (path: string) => exports.default.fetch(new Request(ORIGIN + path));
const row = <T>(query: string, ...params: unknown[]) => env.DB.prepare(query).bind(...params).first<T>();

beforeAll(async () => {
  owner = await signUp("Pia");
  workspaceId = await createWorkspace(owner, "Public");
  token = await createToken(owner, workspaceId, "write");
  apiKey = await configureEmail(token, workspaceId);
  const list = await api(token, "POST", `/workspaces/${workspaceId}/lists`, { name: "Field Notes", description: "Weekly notes", consentText: "Yes, send me Field Notes every week." });
  listId = ((await list.json()) as { id: string }).id;
});

describe("signup and double opt-in", () => {
  it("serves the hosted form with a honeypot and the consent text", async () => {
    const html = await (await get(`/email/subscribe/${listId}`)).text();
    expect(html).toContain("Subscribe to Field Notes");
    expect(html).toContain('name="website"');
    expect(html).toContain("Yes, send me Field Notes every week.");
    expect((await get("/email/subscribe/lst_missing")).status).toBe(404);
  });

  it("records a pending person with their consent and mails one confirmation, even when they sign up twice", async () => {
    const first = await crossSite(`/email/subscribe/${listId}`, { email: "Reader@Example.com", first_name: "Rea", consent: "on", website: "" }, "198.51.100.7");
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("Check your inbox");
    const again = await crossSite(`/email/subscribe/${listId}`, { email: "reader@example.com", consent: "on" });
    expect(again.status).toBe(200);
    const subscriber = await row<{ id: string; status: string }>("SELECT id, status FROM subscribers WHERE workspace_id = ? AND email_normalized = 'reader@example.com'", workspaceId);
    expect(subscriber!.status).toBe("pending");
    const consent = await env.DB.prepare("SELECT kind, ip, user_agent, form, text_shown FROM consent_records WHERE subscriber_id = ? ORDER BY created_at").bind(subscriber!.id).all();
    expect(consent.results).toHaveLength(2);
    expect(consent.results[0]).toMatchObject({ kind: "signup", ip: "198.51.100.7", user_agent: "TestBrowser/1.0", text_shown: "Yes, send me Field Notes every week." });
    expect(String(consent.results[0]!.form)).toContain(listId);
    const mail = (await mailbox("sendgrid", apiKey)).filter((m) => m.to === "Reader@Example.com");
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toBe("Please confirm your subscription to Field Notes");
    expect(mail[0]!.text).toContain("Hello Rea,");
    expect(mail[0]!.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
  });

  it("confirms through the signed link: subscribed, in the list, with the confirmation recorded", async () => {
    const mail = (await mailbox("sendgrid", apiKey)).find((m) => m.to === "Reader@Example.com")!;
    const link = new URL(mail.text.match(/https:\/\/engine\.test\/email\/confirm\/\S+/)![0]);
    // Opening the link (as a mail scanner might) changes nothing; the button does.
    const page = await get(link.pathname);
    expect(await page.text()).toContain("Yes, subscribe me");
    expect((await row<{ status: string }>("SELECT status FROM subscribers WHERE email_normalized = 'reader@example.com'"))!.status).toBe("pending");
    const confirmed = await crossSite(link.pathname, {});
    expect(await confirmed.text()).toContain("You are subscribed");
    const subscriber = await row<{ id: string; status: string; confirmed_at: number }>("SELECT id, status, confirmed_at FROM subscribers WHERE email_normalized = 'reader@example.com'");
    expect(subscriber).toMatchObject({ status: "subscribed" });
    expect(subscriber!.confirmed_at).toBeGreaterThan(0);
    expect(await row("SELECT 1 AS yes FROM subscriber_lists WHERE list_id = ? AND subscriber_id = ?", listId, subscriber!.id)).toEqual({ yes: 1 });
    expect(await row("SELECT kind FROM consent_records WHERE subscriber_id = ? AND kind = 'confirm'", subscriber!.id)).toEqual({ kind: "confirm" });
    // A tampered link does nothing.
    const tampered = link.pathname.slice(0, -3) + "xyz";
    expect((await crossSite(tampered, {})).status).toBe(410);
  });

  it("ignores bots that fill the honeypot, answering exactly like for a person", async () => {
    const response = await crossSite(`/email/subscribe/${listId}`, { email: "bot@example.com", consent: "on", website: "https://spam.example" });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Check your inbox");
    expect(await row("SELECT id FROM subscribers WHERE email_normalized = 'bot@example.com'")).toBeNull();
    expect((await mailbox("sendgrid", apiKey)).some((m) => m.to === "bot@example.com")).toBe(false);
  });

  it("answers bad input with a 422 page naming the problem", async () => {
    const noConsent = await crossSite(`/email/subscribe/${listId}`, { email: "someone@example.com" });
    expect(noConsent.status).toBe(422);
    expect(await noConsent.text()).toContain("tick the box to agree");
    const badEmail = await crossSite(`/email/subscribe/${listId}`, { email: "someone@", consent: "on" });
    expect(badEmail.status).toBe(422);
    expect(await badEmail.text()).toContain("must be a valid email address");
  });

  it("rate-limits signups from one address", async () => {
    const statuses = [];
    for (let i = 0; i < 11; i++) statuses.push((await crossSite(`/email/subscribe/${listId}`, { email: `flood${i}@example.com`, consent: "on" }, "192.0.2.99")).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
  });
});

describe("the embeddable form", () => {
  it("is shown per list, with the honeypot and the consent text escaped, and a post of its fields signs someone up", async () => {
    const tricky = await api(token, "POST", `/workspaces/${workspaceId}/lists`, { name: "Tricky", consentText: 'I agree </textarea><script>alert("x")</script> & more' });
    const trickyId = ((await tricky.json()) as { id: string }).id;
    const page = await (await owner.get(`/w/${workspaceId}/subscribers/lists`)).text();
    expect(page).not.toContain("<script>alert");
    // The snippet sits in a textarea: read it back as the owner would copy it.
    const textareas = [...page.matchAll(/<textarea[^>]*>([\s\S]*?)<\/textarea>/g)].map((m) => m[1]!.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&"));
    const snippet = textareas.find((t) => t.includes(`/email/subscribe/${listId}"`))!;
    expect(snippet).toContain(`<form method="post" action="${ORIGIN}/email/subscribe/${listId}">`);
    expect(snippet).toContain('name="website"');
    expect(snippet).toContain("Yes, send me Field Notes every week.");
    // A user's words are text inside the snippet too: pasted into a page, they cannot add markup.
    const trickySnippet = textareas.find((t) => t.includes(`/email/subscribe/${trickyId}"`))!;
    expect(trickySnippet).toContain("I agree &lt;/textarea&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more");
    const names = [...snippet.matchAll(/name="(\w+)"/g)].map((m) => m[1]);
    expect(names.sort()).toEqual(["consent", "email", "first_name", "website"]);
    const posted = await crossSite(`/email/subscribe/${listId}`, { email: "embedded@example.com", first_name: "Em", website: "", consent: "on" });
    expect(posted.status).toBe(200);
    expect((await mailbox("sendgrid", apiKey)).filter((m) => m.to === "embedded@example.com")).toHaveLength(1);
  });

  it("is rate-limited per form as well as per address", async () => {
    await env.DB.prepare("INSERT OR REPLACE INTO email_form_rate_limits (key, window_start, count) VALUES (?, ?, 300)").bind(`signup:list:${listId}`, Date.now() - (Date.now() % 60_000)).run();
    const response = await crossSite(`/email/subscribe/${listId}`, { email: "one-too-many@example.com", consent: "on" });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBeTruthy();
    expect(await row("SELECT id FROM subscribers WHERE email_normalized = 'one-too-many@example.com'")).toBeNull();
    await env.DB.prepare("DELETE FROM email_form_rate_limits WHERE key = ?").bind(`signup:list:${listId}`).run();
  });
});

describe("confirmations through Cloudflare's send_email binding", () => {
  /** miniflare's EmailMessage keeps the raw message under this key; workerd in production never shows it. */
  const rawOf = (message: EmailMessage) => (message as unknown as Record<string, string>)["EmailMessage::raw"]!;
  const visitor = { ip: "198.51.100.200", userAgent: "TestBrowser/1.0" };

  it("go through the binding when configured: one MIME message with the link and the RFC 8058 headers; the provider gets nothing", async () => {
    const sent: EmailMessage[] = [];
    const binding = { send: async (message: EmailMessage) => void sent.push(message) };
    const list = (await publicList(database(env.DB), listId))!;
    await publicSignUp(database(env.DB), { ...env, CONFIRMATION_EMAIL: binding } as Env, env.SESSION_SECRET, ORIGIN, list, { email: "bound@example.com", first_name: "Bo", consent: "on" }, visitor);
    expect(sent).toHaveLength(1);
    expect({ from: sent[0]!.from, to: sent[0]!.to }).toEqual({ from: "news@acme.test", to: "bound@example.com" });
    const parsed = await PostalMime.parse(rawOf(sent[0]!));
    const header = (name: string) => parsed.headers.find((h) => h.key === name)?.value ?? "";
    expect(parsed.subject).toBe("Please confirm your subscription to Field Notes");
    expect(parsed.text).toContain("Hello Bo,");
    expect(header("list-unsubscribe")).toMatch(/^<https:\/\/engine\.test\/email\/unsubscribe\/[\w.-]+>, <mailto:unsubscribe@acme\.test\?subject=unsubscribe-sub_\w+>$/);
    expect(header("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
    expect((await mailbox("sendgrid", apiKey)).filter((m) => m.to === "bound@example.com")).toHaveLength(0);
    // The link in it confirms like any other.
    const link = new URL(parsed.text!.match(/https:\/\/engine\.test\/email\/confirm\/\S+/)![0]);
    expect(await (await crossSite(link.pathname, {})).text()).toContain("You are subscribed");
  });

  it("fall back to the workspace's provider when the binding refuses the message", async () => {
    const binding = { send: async () => Promise.reject(new Error("domain not verified")) };
    const list = (await publicList(database(env.DB), listId))!;
    await publicSignUp(database(env.DB), { ...env, CONFIRMATION_EMAIL: binding } as Env, env.SESSION_SECRET, ORIGIN, list, { email: "fallback@example.com", consent: "on" }, visitor);
    const mail = (await mailbox("sendgrid", apiKey)).filter((m) => m.to === "fallback@example.com");
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toBe("Please confirm your subscription to Field Notes");
  });
});

describe("unsubscribe, preferences and GDPR", () => {
  it("unsubscribes in one click with the RFC 8058 POST, without a login", async () => {
    const mail = (await mailbox("sendgrid", apiKey)).find((m) => m.to === "Reader@Example.com")!;
    const url = new URL(mail.headers["List-Unsubscribe"]!.match(/<(https:[^>]+)>/)![1]!);
    const page = await get(url.pathname);
    expect(await page.text()).toContain("Unsubscribe");
    const response = await exports.default.fetch(new Request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" }));
    expect(response.status).toBe(200);
    const subscriber = await row<{ status: string; email_hash: string }>("SELECT status, email_hash FROM subscribers WHERE email_normalized = 'reader@example.com'");
    expect(subscriber!.status).toBe("unsubscribed");
    expect(await row("SELECT reason FROM suppressions WHERE workspace_id = ? AND email_hash = ?", workspaceId, subscriber!.email_hash)).toEqual({ reason: "unsubscribed" });
    // Counted for analytics on today's (UTC) row, once, even if the link is used again.
    await exports.default.fetch(new Request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" }));
    expect(await row("SELECT unsubscribed FROM email_daily WHERE workspace_id = ? AND day = ?", workspaceId, Math.floor(Date.now() / 86400_000))).toEqual({ unsubscribed: 1 });
  });

  it("lets a subscriber leave a list, download their data and erase it", async () => {
    const added = await api(token, "POST", `/workspaces/${workspaceId}/subscribers`, { email: "pref@example.com", firstName: "Pref", listIds: [listId], consentText: "Asked in person" });
    const { id } = (await added.json()) as { id: string };
    const { manageToken } = await import("../lib/email/links");
    const link = `/email/preferences/${await manageToken(env.SESSION_SECRET, { subscriberId: id, workspaceId, sendId: null })}`;
    const page = await (await get(link)).text();
    expect(page).toContain("Field Notes");
    const data = (await (await get(`${link}/data.json`)).json()) as { subscriber: { email: string }; lists: { name: string }[]; consent: unknown[] };
    expect(data.subscriber.email).toBe("pref@example.com");
    expect(data.lists.map((l) => l.name)).toEqual(["Field Notes"]);
    const saved = await crossSite(link, { first_name: "Prefers" });
    expect(saved.status).toBe(200);
    const after = await row<{ status: string; first_name: string }>("SELECT status, first_name FROM subscribers WHERE id = ?", id);
    // Leaving the only list is leaving everything.
    expect(after).toEqual({ status: "unsubscribed", first_name: "Prefers" });
    expect((await crossSite(`${link}/erase`, { sure: "on" })).status).toBe(200);
    expect(await row("SELECT id FROM subscribers WHERE id = ?", id)).toBeNull();
    expect((await get(link)).status).toBe(404);
    const readd = await api(token, "POST", `/workspaces/${workspaceId}/subscribers`, { email: "pref@example.com", consentText: "Asked in person" });
    expect(readd.status).toBe(409);
  });
});

describe("SendGrid Event Webhook", () => {
  let publicKey: string;
  let privateKey: CryptoKey;

  async function post(events: unknown[], options: { sign?: boolean; ageSeconds?: number; tamper?: boolean; key?: CryptoKey; workspace?: string } = {}) {
    const body = JSON.stringify(events);
    const timestamp = String(Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0));
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.sign !== false) {
      const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, options.key ?? privateKey, new TextEncoder().encode(timestamp + body)));
      const int = (b: Uint8Array) => {
        let v = b;
        while (v.length > 1 && v[0] === 0) v = v.subarray(1);
        if (v[0]! & 0x80) v = Uint8Array.from([0, ...v]);
        return [2, v.length, ...v];
      };
      const seq = [...int(raw.subarray(0, 32)), ...int(raw.subarray(32))];
      headers["x-twilio-email-event-webhook-signature"] = btoa(String.fromCharCode(0x30, seq.length, ...seq));
      headers["x-twilio-email-event-webhook-timestamp"] = timestamp;
    }
    return exports.default.fetch(new Request(`${ORIGIN}/api/webhooks/email/sendgrid/${options.workspace ?? workspaceId}`, { method: "POST", headers, body: options.tamper ? body.replace("bounce", "open") : body }));
  }

  beforeAll(async () => {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    privateKey = pair.privateKey;
    publicKey = btoa(String.fromCharCode(...new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer)));
  });

  it("is not there until a verification key is configured", async () => {
    expect((await post([])).status).toBe(404);
    expect((await api(token, "PUT", `/workspaces/${workspaceId}/email-settings`, { provider: "sendgrid", fromEmail: "news@acme.test", fromName: "Acme", unsubscribeMailto: "u@acme.test", ratePerSecond: 100, webhookPublicKey: "not a key" })).status).toBe(422);
    const saved = await api(token, "PUT", `/workspaces/${workspaceId}/email-settings`, { provider: "sendgrid", fromEmail: "news@acme.test", fromName: "Acme", unsubscribeMailto: "u@acme.test", ratePerSecond: 100, webhookPublicKey: publicKey });
    expect(saved.status).toBe(200);
    expect(JSON.stringify(await saved.json())).not.toContain(apiKey);
  });

  it("refuses unsigned, tampered and stale requests", async () => {
    const events = [{ email: "x@example.com", timestamp: 1795400000, event: "bounce", sg_event_id: "e-refused" }];
    expect((await post(events, { sign: false })).status).toBe(403);
    expect((await post(events, { tamper: true })).status).toBe(403);
    expect((await post(events, { ageSeconds: 3600 })).status).toBe(403);
    expect(await row("SELECT 1 FROM email_events WHERE event_id = 'e-refused'")).toBeNull();
  });

  it("moves bounces and spam reports to bounced and complained, onto the suppression list, once per event id", async () => {
    for (const email of ["bouncy@example.com", "angry@example.com"]) {
      await api(token, "POST", `/workspaces/${workspaceId}/subscribers`, { email, consentText: "Asked in person" });
    }
    const events = [
      { email: "bouncy@example.com", timestamp: 1795400000, event: "bounce", type: "bounce", sg_event_id: "e-1", reason: "550 no such user" },
      { email: "angry@example.com", timestamp: 1795400001, event: "spamreport", sg_event_id: "e-2" },
      { email: "angry@example.com", timestamp: 1795400002, event: "delivered", sg_event_id: "e-3" },
      { something: "unknown" },
    ];
    const first = await post(events);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: 3, new: 3 });
    const again = await post(events);
    expect(await again.json()).toEqual({ received: 3, new: 0 });
    const statuses = await env.DB.prepare("SELECT email_normalized AS e, status FROM subscribers WHERE email_normalized IN ('bouncy@example.com', 'angry@example.com') ORDER BY e").all();
    expect(statuses.results).toEqual([
      { e: "angry@example.com", status: "complained" },
      { e: "bouncy@example.com", status: "bounced" },
    ]);
    const reasons = await env.DB.prepare("SELECT reason FROM suppressions s JOIN subscribers x ON x.email_hash = s.email_hash WHERE x.email_normalized IN ('bouncy@example.com', 'angry@example.com') ORDER BY reason").all();
    expect(reasons.results).toEqual([{ reason: "bounced" }, { reason: "complained" }]);
    expect(await row<{ n: number }>("SELECT COUNT(*) AS n FROM email_events WHERE workspace_id = ?", workspaceId)).toEqual({ n: 3 });
    // The bounce counts for analytics on the day it happened (not the spam report, not twice).
    expect(await row("SELECT bounced FROM email_daily WHERE workspace_id = ? AND day = ?", workspaceId, Math.floor(1795400000 / 86400))).toEqual({ bounced: 1 });
    // A bounced address cannot come back through the form: no confirmation goes out.
    await crossSite(`/email/subscribe/${listId}`, { email: "bouncy@example.com", consent: "on" });
    expect((await mailbox("sendgrid", apiKey)).some((m) => m.to === "bouncy@example.com")).toBe(false);
  });

  it("records SendGrid opens and clicks on the delivery, each counted once for analytics on the day it happened", async () => {
    // One delivery of a send that went out (written as the send would have left it).
    await env.DB.batch([
      env.DB.prepare("INSERT INTO newsletters (id, workspace_id, subject, updated_at) VALUES ('nl_sg', ?, 'Issue', 0)").bind(workspaceId),
      env.DB.prepare(
        "INSERT INTO email_sends (id, workspace_id, newsletter_id, status, scheduled_at, subject, preheader, html, text, base_url) VALUES ('snd_sg', ?, 'nl_sg', 'sent', 0, 'Issue', '', '<p>x</p>', 'x', 'https://engine.test')",
      ).bind(workspaceId),
      env.DB.prepare("INSERT INTO email_deliveries (id, workspace_id, send_id, email, status, sent_at) VALUES ('dlv_sg', ?, 'snd_sg', 'opener@example.com', 'sent', 0)").bind(workspaceId),
    ]);
    const delivery = { id: "dlv_sg", email: "opener@example.com" };
    const at = 1795500000;
    const day = Math.floor(at / 86400);
    const events = [
      { email: delivery.email, timestamp: at, event: "open", sg_event_id: "o-1", delivery_id: delivery.id },
      { email: delivery.email, timestamp: at + 60, event: "open", sg_event_id: "o-2", delivery_id: delivery.id },
      { email: delivery.email, timestamp: at + 90, event: "click", sg_event_id: "c-1", delivery_id: delivery.id },
      // A delivery id of no delivery in this workspace counts nothing.
      { email: delivery.email, timestamp: at, event: "open", sg_event_id: "o-3", delivery_id: "dlv_not_ours" },
    ];
    expect((await post(events)).status).toBe(200);
    expect(await row("SELECT opened_at, clicked_at FROM email_deliveries WHERE id = ?", delivery.id)).toEqual({ opened_at: at * 1000, clicked_at: (at + 90) * 1000 });
    expect(await row("SELECT opened, clicked FROM email_daily WHERE workspace_id = ? AND day = ?", workspaceId, day)).toEqual({ opened: 1, clicked: 1 });
  });

  it("keeps each workspace's events to itself: another workspace's key is refused, its events touch only its own people, and dedupe is per workspace", async () => {
    await api(token, "POST", `/workspaces/${workspaceId}/subscribers`, { email: "victim@example.com", consentText: "Asked in person" });
    const other = await signUp("Oz");
    const otherWorkspace = await createWorkspace(other, "Other sender");
    const otherToken = await createToken(other, otherWorkspace, "write");
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const otherPublic = btoa(String.fromCharCode(...new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer)));
    await configureEmail(otherToken, otherWorkspace, "sendgrid", { webhookPublicKey: otherPublic });
    const bounce = [{ email: "victim@example.com", timestamp: 1795400100, event: "bounce", type: "bounce", sg_event_id: "e-cross-1" }];
    // Signed by the other workspace's key, posted to ours: refused.
    expect((await post(bounce, { key: pair.privateKey })).status).toBe(403);
    // Posted to their own webhook, naming our subscriber: recorded for them, nothing changes here.
    const theirs = await post(bounce, { key: pair.privateKey, workspace: otherWorkspace });
    expect(await theirs.json()).toEqual({ received: 1, new: 1 });
    expect(await row("SELECT status FROM subscribers WHERE workspace_id = ? AND email_normalized = 'victim@example.com'", workspaceId)).toEqual({ status: "subscribed" });
    expect(await row<{ n: number }>("SELECT COUNT(*) AS n FROM suppressions WHERE workspace_id = ? AND email_hash = (SELECT email_hash FROM subscribers WHERE workspace_id = ? AND email_normalized = 'victim@example.com')", workspaceId, workspaceId)).toEqual({ n: 0 });
    expect((await env.DB.prepare("SELECT workspace_id AS w FROM email_events WHERE event_id = 'e-cross-1'").all()).results).toEqual([{ w: otherWorkspace }]);
    // Both workspaces on one SendGrid account: the same event, same id, reaches our webhook too, and
    // counts here as new (dedupe is per workspace), so our subscriber is marked bounced.
    const ours = await post(bounce);
    expect(await ours.json()).toEqual({ received: 1, new: 1 });
    expect(await row("SELECT status FROM subscribers WHERE workspace_id = ? AND email_normalized = 'victim@example.com'", workspaceId)).toEqual({ status: "bounced" });
    expect(await (await post(bounce)).json()).toEqual({ received: 1, new: 0 });
  });
});
