import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, Browser, createToken, createWorkspace, ORIGIN, signUp } from "./support/client";

// Webhooks in: Meta (Facebook, Instagram, Threads), X and each workspace's generic endpoint. The
// platforms are played by this file: it signs every payload itself, the way each sender documents it
// (not with our verifier), with the secrets vitest.config.ts gives the Worker.
const FACEBOOK_APP_SECRET = "fake-meta-app-secret";
const THREADS_APP_SECRET = "fake-threads-app-secret";
const X_CONSUMER_SECRET = "test-x-consumer-secret";
const META_VERIFY_TOKEN = "test-meta-verify-token";

const bytes = (text: string) => new TextEncoder().encode(text);
async function hmac(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, message));
}
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const base64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

/** Meta: `X-Hub-Signature-256: sha256=` + hex HMAC-SHA256 of the raw body with the app secret. */
const metaSignature = async (secret: string, body: string) => `sha256=${hex(await hmac(bytes(secret), bytes(body)))}`;
/** X: `x-twitter-webhooks-signature: sha256=` + base64 HMAC-SHA256 of the body with the consumer secret. */
const xSignature = async (body: string) => `sha256=${base64(await hmac(bytes(X_CONSUMER_SECRET), bytes(body)))}`;
/** Standard Webhooks: v1,base64 HMAC-SHA256 of `id.timestamp.body`, keyed with the base64 after `whsec_`. */
async function standardHeaders(secret: string, id: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const key = Uint8Array.from(atob(secret.slice("whsec_".length)), (c) => c.charCodeAt(0));
  const signature = base64(await hmac(key, bytes(`${id}.${timestamp}.${body}`)));
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": `v1,${signature}` };
}

const call = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
  exports.default.fetch(new Request(ORIGIN + path, { method, body, headers: body === undefined ? headers : { "content-type": "application/json", ...headers } }));

async function postMeta(path: "/api/webhooks/meta" | "/api/webhooks/threads", payload: unknown, secret = path.endsWith("threads") ? THREADS_APP_SECRET : FACEBOOK_APP_SECRET) {
  const body = JSON.stringify(payload);
  return call("POST", path, body, { "x-hub-signature-256": await metaSignature(secret, body) });
}
async function postX(payload: unknown) {
  const body = JSON.stringify(payload);
  return call("POST", "/api/webhooks/x", body, { "x-twitter-webhooks-signature": await xSignature(body) });
}

const count = async (sql: string, ...binds: unknown[]) => (await env.DB.prepare(sql).bind(...binds).first<{ n: number }>())!.n;
const eventsOf = (ws: string) => count("SELECT COUNT(*) AS n FROM inbound_events WHERE workspace_id = ?", ws);
const allEvents = () => count("SELECT COUNT(*) AS n FROM inbound_events");

let owner: Browser;
let ws: string;
let token: string;
let otherWs: string;
let publicationId: string;
let contentId: string;

async function account(workspace: string, platform: string, externalId: string): Promise<string> {
  const id = `acc_${platform}_${workspace}`;
  await env.DB.prepare("INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, ?, ?, ?, ?, 'https://api.test', 'sealed')")
    .bind(id, workspace, platform, externalId, `${platform}-handle`)
    .run();
  return id;
}

beforeAll(async () => {
  owner = await signUp("Wanda");
  ws = await createWorkspace(owner, "Hooks Co");
  token = await createToken(owner, ws, "write");
  const other = await signUp("Otto");
  otherWs = await createWorkspace(other, "Other Hooks");
  // The same X account is connected in both workspaces; the Facebook Page, Instagram and Threads ones in ws only.
  const xAccount = await account(ws, "x", "x-user-1");
  await account(otherWs, "x", "x-user-1");
  const pageAccount = await account(ws, "facebook", "page-1");
  await account(ws, "instagram", "ig-1");
  await account(ws, "threads", "th-user-1");
  const created = await api(token, "POST", `/workspaces/${ws}/content`, { kind: "post", title: "Launch day", variants: [{ platform: "x", text: "We launched" }] });
  contentId = ((await created.json()) as { id: string }).id;
  const variant = await env.DB.prepare("SELECT id FROM content_variants WHERE content_id = ?").bind(contentId).first<{ id: string }>();
  const now = Date.now();
  const publish = (id: string, accountId: string, externalId: string) =>
    env.DB.prepare(
      "INSERT INTO publications (id, workspace_id, content_id, variant_id, account_id, scheduled_at, scheduled_zone, status, idempotency_key, external_id, external_url, published_at, updated_at, metrics_due_at) VALUES (?, ?, ?, ?, ?, ?, 'UTC', 'published', ?, ?, ?, ?, ?, ?)",
    ).bind(id, ws, contentId, variant!.id, accountId, now, `key-${id}`, externalId, `https://x.com/i/status/${externalId}`, now, now, now + 3600_000);
  publicationId = "pub_hooks_x";
  await env.DB.batch([publish(publicationId, xAccount, "tweet-100"), publish("pub_hooks_fb", pageAccount, "page-1_post-7")]);
});

describe("Meta's handshake", () => {
  it("echoes hub.challenge as text for the right verify token, on both endpoints", async () => {
    for (const path of ["/api/webhooks/meta", "/api/webhooks/threads"]) {
      const response = await call("GET", `${path}?hub.mode=subscribe&hub.verify_token=${META_VERIFY_TOKEN}&hub.challenge=1158201444`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await response.text()).toBe("1158201444");
    }
  });

  it("refuses a wrong verify token with 403, and a request that is not a subscription with 400", async () => {
    const wrong = await call("GET", "/api/webhooks/meta?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=42");
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).not.toContain("42");
    expect((await call("GET", `/api/webhooks/meta?hub.mode=unsubscribe&hub.verify_token=${META_VERIFY_TOKEN}&hub.challenge=42`)).status).toBe(400);
  });
});

const facebookComment = (commentId: string, message = "Congrats on the launch!") => ({
  object: "page",
  entry: [
    {
      id: "page-1",
      time: 1763900000,
      changes: [
        {
          field: "feed",
          value: { item: "comment", verb: "add", post_id: "page-1_post-7", comment_id: commentId, parent_id: "page-1_post-7", from: { id: "fan-9", name: "Fan Nine" }, message, created_time: 1763900000 },
        },
      ],
    },
  ],
});

describe("Meta's signature", () => {
  it("stores nothing and answers 401 for a missing, wrong or malformed signature", async () => {
    const body = JSON.stringify(facebookComment("c-unsigned"));
    const before = await allEvents();
    expect((await call("POST", "/api/webhooks/meta", body)).status).toBe(401);
    expect((await call("POST", "/api/webhooks/meta", body, { "x-hub-signature-256": await metaSignature("not-the-app-secret", body) })).status).toBe(401);
    expect((await call("POST", "/api/webhooks/meta", body, { "x-hub-signature-256": "sha1=abc" })).status).toBe(401);
    // Signed with the Facebook app's secret, sent to the Threads endpoint (another app): refused.
    expect((await call("POST", "/api/webhooks/threads", body, { "x-hub-signature-256": await metaSignature(FACEBOOK_APP_SECRET, body) })).status).toBe(401);
    // The body altered after signing.
    const signature = await metaSignature(FACEBOOK_APP_SECRET, body);
    const refused = await call("POST", "/api/webhooks/meta", body.replace("Congrats", "Congratz"), { "x-hub-signature-256": signature });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("bad_signature");
    expect(await allEvents()).toBe(before);
    expect(await count("SELECT COUNT(*) AS n FROM inbox_items WHERE external_id = 'c-unsigned'")).toBe(0);
  });

  it("answers 400 to a signed body that is not JSON, 422 to JSON of the wrong shape", async () => {
    const notJson = "{object: page";
    expect((await call("POST", "/api/webhooks/meta", notJson, { "x-hub-signature-256": await metaSignature(FACEBOOK_APP_SECRET, notJson) })).status).toBe(400);
    const response = await postMeta("/api/webhooks/meta", { entry: "nope" });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { error: { fields: Record<string, string> } }).error.fields).toHaveProperty("object");
  });
});

describe("Meta events", () => {
  it("a signed Facebook comment becomes one inbox item on our publication; a repeat is stored and acted on once", async () => {
    const first = await postMeta("/api/webhooks/meta", facebookComment("page-1_c-1"));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: 1, new: 1, ignored: 0 });
    const again = await postMeta("/api/webhooks/meta", facebookComment("page-1_c-1", "edited in transit, same event"));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: 1, new: 0, ignored: 0 });
    expect(await count("SELECT COUNT(*) AS n FROM inbound_events WHERE source = 'facebook' AND event_id = 'feed:comment:add:page-1_c-1'")).toBe(1);
    const items = await env.DB.prepare("SELECT * FROM inbox_items WHERE external_id = 'page-1_c-1'").all<Record<string, unknown>>();
    expect(items.results).toHaveLength(1);
    expect(items.results[0]).toMatchObject({ workspace_id: ws, platform: "facebook", kind: "comment", author: "Fan Nine", text: "Congrats on the launch!", publication_id: "pub_hooks_fb", occurred_at: 1763900000_000 });
  });

  it("Instagram comments and mentions become items; a Page post removed marks the publication deleted", async () => {
    const instagram = {
      object: "instagram",
      entry: [
        {
          id: "ig-1",
          time: 1763900100,
          changes: [
            { field: "comments", value: { id: "ig-c-1", from: { id: "u1", username: "gram_fan" }, media: { id: "ig-media-1", media_product_type: "FEED" }, text: "Lovely photo" } },
            { field: "mentions", value: { comment_id: "ig-c-2", media_id: "ig-media-9" } },
          ],
        },
      ],
    };
    expect(await (await postMeta("/api/webhooks/meta", instagram)).json()).toEqual({ received: 2, new: 2, ignored: 0 });
    const ig = await env.DB.prepare("SELECT kind, author, text FROM inbox_items WHERE workspace_id = ? AND platform = 'instagram' ORDER BY external_id").bind(ws).all();
    expect(ig.results).toEqual([
      { kind: "comment", author: "gram_fan", text: "Lovely photo" },
      { kind: "mention", author: "someone", text: "" },
    ]);
    const removed = { object: "page", entry: [{ id: "page-1", time: 1763900200, changes: [{ field: "feed", value: { item: "status", verb: "remove", post_id: "page-1_post-7" } }] }] };
    expect((await postMeta("/api/webhooks/meta", removed)).status).toBe(200);
    const pub = await env.DB.prepare("SELECT deleted_at, metrics_due_at FROM publications WHERE id = 'pub_hooks_fb'").first<{ deleted_at: number | null; metrics_due_at: number | null }>();
    expect(pub!.deleted_at).toBeGreaterThan(0);
    expect(pub!.metrics_due_at).toBeNull();
  });

  it("Threads replies arrive through the Threads app's own secret", async () => {
    const reply = {
      app_id: "123456",
      topic: "moderate",
      target_id: "th-user-1",
      time: 1763900300,
      subscription_id: "234567",
      has_uid_field: false,
      values: {
        field: "replies",
        value: { id: "th-reply-1", username: "threader", text: "Nice thread", media_type: "TEXT_POST", permalink: "https://www.threads.net/@threader/post/Pp", replied_to: { id: "th-post-1" }, root_post: { id: "th-post-1", owner_id: "th-user-1", username: "us" }, shortcode: "Pp", timestamp: "2026-11-23T10:33:16+0000" },
      },
    };
    expect((await postMeta("/api/webhooks/threads", reply, FACEBOOK_APP_SECRET)).status).toBe(401);
    expect(await (await postMeta("/api/webhooks/threads", reply)).json()).toEqual({ received: 1, new: 1, ignored: 0 });
    const item = await env.DB.prepare("SELECT kind, author, url, occurred_at FROM inbox_items WHERE external_id = 'th-reply-1'").first();
    expect(item).toEqual({ kind: "comment", author: "threader", url: "https://www.threads.net/@threader/post/Pp", occurred_at: Date.parse("2026-11-23T10:33:16Z") });
  });

  it("an event for an account nobody connected is answered 200 and ignored", async () => {
    const before = await allEvents();
    const stranger = { ...facebookComment("c-stranger"), entry: [{ ...facebookComment("c-stranger").entry[0]!, id: "page-unknown" }] };
    const response = await postMeta("/api/webhooks/meta", stranger);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 1, new: 0, ignored: 1 });
    expect(await allEvents()).toBe(before);
  });
});

describe("X", () => {
  it("answers the CRC check with the HMAC of the crc_token under the consumer secret", async () => {
    const crc = "crc-token-abc123";
    const response = await call("GET", `/api/webhooks/x?crc_token=${crc}`);
    expect(response.status).toBe(200);
    const expected = `sha256=${base64(await hmac(bytes(X_CONSUMER_SECRET), bytes(crc)))}`;
    expect(await response.json()).toEqual({ response_token: expected });
    expect((await call("GET", "/api/webhooks/x")).status).toBe(400);
  });

  const mention = {
    for_user_id: "x-user-1",
    tweet_create_events: [
      {
        id_str: "tweet-200",
        text: "@us what a launch",
        created_at: "Mon Nov 23 10:00:00 +0000 2026",
        timestamp_ms: "1763892000000",
        in_reply_to_status_id_str: "tweet-100",
        in_reply_to_user_id_str: "x-user-1",
        user: { id_str: "x-fan", screen_name: "xfan", name: "X Fan" },
      },
      { id_str: "tweet-201", text: "our own tweet", user: { id_str: "x-user-1", screen_name: "us" } },
    ],
  };

  it("refuses a bad or missing signature with 401 and stores nothing", async () => {
    const body = JSON.stringify(mention);
    const before = await allEvents();
    expect((await call("POST", "/api/webhooks/x", body)).status).toBe(401);
    const wrong = `sha256=${base64(await hmac(bytes("not-the-secret"), bytes(body)))}`;
    expect((await call("POST", "/api/webhooks/x", body, { "x-twitter-webhooks-signature": wrong })).status).toBe(401);
    expect(await allEvents()).toBe(before);
  });

  it("a reply becomes an item in every workspace that connected the account, once each; the account's own tweet is not an item", async () => {
    const response = await postX(mention);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 2, new: 4, ignored: 0 });
    expect(await (await postX(mention)).json()).toEqual({ received: 2, new: 0, ignored: 0 });
    const items = await env.DB.prepare("SELECT workspace_id, kind, author, publication_id, url FROM inbox_items WHERE platform = 'x' ORDER BY workspace_id = ? DESC").bind(ws).all();
    expect(items.results).toEqual([
      { workspace_id: ws, kind: "comment", author: "@xfan", publication_id: publicationId, url: "https://x.com/xfan/status/tweet-200" },
      { workspace_id: otherWs, kind: "comment", author: "@xfan", publication_id: null, url: "https://x.com/xfan/status/tweet-200" },
    ]);
    expect(await count("SELECT COUNT(*) AS n FROM inbound_events WHERE source = 'x' AND type = 'own_post'")).toBe(2);
  });

  it("a deleted tweet marks our publication deleted and stops its metrics", async () => {
    const deletion = { for_user_id: "x-user-1", tweet_delete_events: [{ status: { id: "tweet-100", user_id: "x-user-1" }, timestamp_ms: "1763900000000" }] };
    expect((await postX(deletion)).status).toBe(200);
    const pub = await env.DB.prepare("SELECT deleted_at, metrics_due_at FROM publications WHERE id = ?").bind(publicationId).first<{ deleted_at: number | null; metrics_due_at: number | null }>();
    expect(pub!.deleted_at).toBeGreaterThan(0);
    expect(pub!.metrics_due_at).toBeNull();
    // The repeat does not move the instant.
    await postX(deletion);
    const again = await env.DB.prepare("SELECT deleted_at FROM publications WHERE id = ?").bind(publicationId).first<{ deleted_at: number }>();
    expect(again!.deleted_at).toBe(pub!.deleted_at);
  });
});

describe("the generic inbound endpoint", () => {
  let secret: string;
  let otherSecret: string;
  const event = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ id, type: "comment", occurredAt: "2026-11-23T09:00:00Z", data: { author: "Support desk", text: "A customer asked about pricing", url: "https://crm.example/ticket/1" }, ...extra });
  const post = async (workspace: string, key: string, body: string, id = "msg_1", timestamp?: number) => call("POST", `/api/webhooks/in/${workspace}`, body, await standardHeaders(key, id, body, timestamp));

  beforeAll(async () => {
    const created = await owner.post(`/w/${ws}/webhooks/inbound/secret`, {});
    expect(created.status).toBe(200);
    secret = (await created.text()).match(/value="(whsec_[A-Za-z0-9+/=]+)"/)![1]!;
    // Another workspace's secret, created through its own page.
    const other = await signUp("Osk");
    const theirWs = await createWorkspace(other, "Theirs");
    const theirs = await other.post(`/w/${theirWs}/webhooks/inbound/secret`, {});
    otherSecret = (await theirs.text()).match(/value="(whsec_[A-Za-z0-9+/=]+)"/)![1]!;
  });

  it("keeps the secret sealed at rest", async () => {
    const row = await env.DB.prepare("SELECT secret FROM inbound_webhook_secrets WHERE workspace_id = ?").bind(ws).first<{ secret: string }>();
    expect(row!.secret.startsWith("v1.")).toBe(true);
    expect(row!.secret).not.toContain(secret.slice(6, 20));
  });

  it("accepts an event signed with the workspace's secret, once per id, and puts a comment in the inbox", async () => {
    const body = event("evt-1");
    const first = await post(ws, secret, body);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: 1, new: 1, ignored: 0 });
    expect(await (await post(ws, secret, body, "msg_2")).json()).toEqual({ received: 1, new: 0, ignored: 0 });
    expect(await count("SELECT COUNT(*) AS n FROM inbound_events WHERE source = 'generic' AND workspace_id = ? AND event_id = 'evt-1'", ws)).toBe(1);
    const item = await env.DB.prepare("SELECT platform, kind, author, url, occurred_at FROM inbox_items WHERE workspace_id = ? AND external_id = 'evt-1'").bind(ws).first();
    expect(item).toEqual({ platform: "other", kind: "comment", author: "Support desk", url: "https://crm.example/ticket/1", occurred_at: Date.parse("2026-11-23T09:00:00Z") });
  });

  it("refuses another workspace's secret, a stale timestamp and missing headers with 401, storing nothing", async () => {
    const before = await eventsOf(ws);
    expect((await post(ws, otherSecret, event("evt-x"))).status).toBe(401);
    expect((await post(ws, secret, event("evt-y"), "msg_3", Math.floor(Date.now() / 1000) - 600)).status).toBe(401);
    expect((await call("POST", `/api/webhooks/in/${ws}`, event("evt-z"))).status).toBe(401);
    // A workspace without a secret answers like a wrong signature.
    expect((await post(otherWs, secret, event("evt-w"))).status).toBe(401);
    expect(await eventsOf(ws)).toBe(before);
    expect(await eventsOf(otherWs)).toBe(await count("SELECT COUNT(*) AS n FROM inbound_events WHERE workspace_id = ? AND source = 'x'", otherWs));
  });

  it("names what is wrong with a signed but invalid body: 400 for not JSON, 422 with the fields otherwise", async () => {
    expect((await post(ws, secret, "not json")).status).toBe(400);
    const missing = await post(ws, secret, JSON.stringify({ type: "Bad Type!" }));
    expect(missing.status).toBe(422);
    const fields = ((await missing.json()) as { error: { fields: Record<string, string> } }).error.fields;
    expect(Object.keys(fields).sort()).toEqual(["id", "type"]);
    const badData = await post(ws, secret, JSON.stringify({ id: "evt-bad", type: "mention", data: { text: "hi", url: "javascript:alert(1)" } }));
    expect(badData.status).toBe(422);
    expect(Object.keys(((await badData.json()) as { error: { fields: Record<string, string> } }).error.fields).sort()).toEqual(["data.author", "data.url"]);
    expect(await count("SELECT COUNT(*) AS n FROM inbound_events WHERE event_id = 'evt-bad'")).toBe(0);
  });

  it("the settings page shows the endpoint and the last events; rotating needs a confirmation and replaces the secret", async () => {
    const page = await (await owner.get(`/w/${ws}/webhooks/inbound`)).text();
    expect(page).toContain(`${ORIGIN}/api/webhooks/in/${ws}`);
    expect(page).toContain("evt-1");
    expect(page).not.toContain(secret);
    const unconfirmed = await owner.post(`/w/${ws}/webhooks/inbound/secret`, {});
    expect(unconfirmed.status).toBe(422);
    const rotated = await owner.post(`/w/${ws}/webhooks/inbound/secret`, { confirm: "yes" });
    expect(rotated.status).toBe(200);
    const fresh = (await rotated.text()).match(/value="(whsec_[A-Za-z0-9+/=]+)"/)![1]!;
    expect(fresh).not.toBe(secret);
    expect((await post(ws, secret, event("evt-2"))).status).toBe(401);
    expect((await post(ws, fresh, event("evt-2"))).status).toBe(200);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE workspace_id = ? AND action LIKE 'inbound_webhook.%' ORDER BY id").bind(ws).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["inbound_webhook.secret_created", "inbound_webhook.secret_rotated"]);
  });

  it("the settings page is for webhooks.manage only, and only in one's own workspace", async () => {
    const other = await signUp("Nosy");
    expect((await other.get(`/w/${ws}/webhooks/inbound`)).status).toBe(404);
    expect((await other.post(`/w/${ws}/webhooks/inbound/secret`, {})).status).toBe(404);
  });
});
