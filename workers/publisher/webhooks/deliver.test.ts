/**
 * Sending outgoing webhooks from the publisher: retries with backoff then success, one send under
 * concurrent claims, giving up and disabling after three days of failures (with the clock passed in),
 * the queue consumer, and the private-address check at send time. The receiver is
 * test/fakes/webhook-receiver.ts, which verifies each signature from the Standard Webhooks spec.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { database } from "../../../lib/db/client";
import { backoff, deliverWebhook, sweepWebhooks, type DeliveryContext } from "../../../lib/webhooks/deliver";
import { emitWebhookEvent } from "../../../lib/webhooks/emit";
import { newSigningSecret, sealSigningSecret } from "../../../lib/webhooks/signature";
import type { Received } from "../../../test/fakes/webhook-receiver";
import { consumeWebhooks } from "./consumer";

const RECEIVER = "https://hooks.receiver.test";
const WS = "ws_hooks";
const OTHER_WS = "ws_hooks_other";
/** The clock jumps days ahead there: a workspace of its own, so other tests' endpoints are not in the way. */
const DAYS_WS = "ws_hooks_days";
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const configure = (key: string, config: Record<string, unknown>) => fetch(`${RECEIVER}/__fake/config`, { method: "POST", body: JSON.stringify({ key, ...config }) });
const receivedAt = async (key: string) => (await (await fetch(`${RECEIVER}/__fake/received?key=${key}`)).json()) as Received[];
const db = () => database(env.DB);
const at = (now: number): DeliveryContext => ({ db: db(), tokenKey: env.TOKEN_KEY, now: () => now });

let counter = 0;
/** An active endpoint for `events`, with the receiver told its secret (and to accept old timestamps: the clock here jumps). */
async function endpoint(events: string[], options: { workspace?: string; url?: string; failTimes?: number } = {}) {
  const key = `pub-${Date.now()}-${++counter}`;
  const id = `whe_test${counter}_${Date.now()}`;
  const secret = newSigningSecret();
  await env.DB.prepare("INSERT INTO webhook_endpoints (id, workspace_id, url, event_types, secret_sealed) VALUES (?, ?, ?, ?, ?)")
    .bind(id, options.workspace ?? WS, options.url ?? `${RECEIVER}/in/${key}`, JSON.stringify(events), await sealSigningSecret(env.TOKEN_KEY, id, secret))
    .run();
  await configure(key, { secret, failTimes: options.failTimes ?? 0, failStatus: 502, toleranceSeconds: 10 * 86400 });
  return { id, key, secret };
}

/** Emits an event and returns the delivery made for this one endpoint (others in the workspace may listen too). */
async function emitFor(hook: { id: string }, workspace: string, type: Parameters<typeof emitWebhookEvent>[2], data: Record<string, unknown>, now = Date.now()): Promise<string> {
  const ids = await emitWebhookEvent(db(), workspace, type, data, { queue: null, now });
  const row = await env.DB.prepare(`SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND id IN (${ids.map(() => "?").join(",")})`).bind(hook.id, ...ids).first<{ id: string }>();
  return row!.id;
}

const delivery = (id: string) =>
  env.DB.prepare("SELECT status, attempts, next_attempt_at AS nextAt, last_status AS lastStatus, last_error AS lastError FROM webhook_deliveries WHERE id = ?")
    .bind(id)
    .first<{ status: string; attempts: number; nextAt: number | null; lastStatus: number | null; lastError: string | null }>();
const endpointRow = (id: string) =>
  env.DB.prepare("SELECT status, failing_since AS failingSince, last_success_at AS lastSuccessAt, disabled_reason AS reason FROM webhook_endpoints WHERE id = ?")
    .bind(id)
    .first<{ status: string; failingSince: number | null; lastSuccessAt: number | null; reason: string | null }>();

beforeAll(async () => {
  await env.DB.batch([
    env.DB.prepare("INSERT INTO users (id, email, name, password_hash) VALUES ('usr_h_owner', 'ho@example.com', 'Owner', 'x'), ('usr_h_admin', 'ha@example.com', 'Admin', 'x'), ('usr_h_editor', 'he@example.com', 'Editor', 'x')"),
    env.DB.prepare("INSERT INTO workspaces (id, name) VALUES (?, 'Hooks'), (?, 'Other hooks'), (?, 'Days')").bind(WS, OTHER_WS, DAYS_WS),
    env.DB.prepare("INSERT INTO memberships (workspace_id, user_id, role) VALUES (?, 'usr_h_owner', 'owner'), (?, 'usr_h_admin', 'admin'), (?, 'usr_h_editor', 'editor'), (?, 'usr_h_owner', 'owner')").bind(DAYS_WS, DAYS_WS, DAYS_WS, WS),
  ]);
});

describe("backoff", () => {
  it("grows from a minute by fives and is capped at 8 hours", () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(backoff)).toEqual([MINUTE, 5 * MINUTE, 25 * MINUTE, 125 * MINUTE, 8 * 60 * MINUTE, 8 * 60 * MINUTE, 8 * 60 * MINUTE]);
  });
});

describe("delivering", () => {
  it("retries a failing receiver with backoff, then succeeds, signing every attempt the same way", async () => {
    const hook = await endpoint(["publication.published"], { failTimes: 2 });
    const t0 = Date.now();
    const [id] = await emitWebhookEvent(db(), WS, "publication.published", { publicationId: "pub_1", url: "https://bsky.app/x" }, { queue: null, now: t0 });
    expect(id).toMatch(/^msg_[0-9a-f]{32}$/);

    expect(await deliverWebhook(at(t0), id!)).toMatchObject({ delivered: false, status: 502 });
    expect(await delivery(id!)).toMatchObject({ status: "pending", attempts: 1, nextAt: t0 + MINUTE, lastStatus: 502, lastError: "Answered 502" });
    expect((await endpointRow(hook.id))!.failingSince).toBe(t0);
    // Not due yet: nothing is sent.
    expect(await deliverWebhook(at(t0 + 30_000), id!)).toBeNull();
    expect(await sweepWebhooks(at(t0 + 30_000))).toMatchObject({ sent: 0 });

    expect(await sweepWebhooks(at(t0 + MINUTE))).toMatchObject({ sent: 1 });
    expect(await delivery(id!)).toMatchObject({ status: "pending", attempts: 2, nextAt: t0 + MINUTE + 5 * MINUTE });
    expect(await sweepWebhooks(at(t0 + 6 * MINUTE))).toMatchObject({ sent: 1 });
    expect(await delivery(id!)).toMatchObject({ status: "delivered", attempts: 3, nextAt: null, lastStatus: 200, lastError: null });
    expect(await endpointRow(hook.id)).toMatchObject({ status: "active", failingSince: null, lastSuccessAt: t0 + 6 * MINUTE });

    const got = await receivedAt(hook.key);
    expect(got.map((r) => r.answered)).toEqual([502, 502, 200]);
    expect(got.every((r) => r.verified === "ok" && r.id === id)).toBe(true);
    expect(got.map((r) => Number(r.timestamp))).toEqual([t0, t0 + MINUTE, t0 + 6 * MINUTE].map((t) => Math.floor(t / 1000)));
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    // Delivered is final: later sweeps send nothing more.
    await sweepWebhooks(at(t0 + DAY));
    expect(await receivedAt(hook.key)).toHaveLength(3);
  });

  it("sends a delivery once when the queue consumer and the sweep race for it", async () => {
    const hook = await endpoint(["send.finished"]);
    const t0 = Date.now();
    const id = await emitFor(hook, WS, "send.finished", { sendId: "snd_1" }, t0);
    await Promise.all([deliverWebhook(at(t0), id), deliverWebhook(at(t0), id), sweepWebhooks(at(t0)), deliverWebhook(at(t0), id)]);
    expect(await receivedAt(hook.key)).toHaveLength(1);
    expect(await delivery(id!)).toMatchObject({ status: "delivered", attempts: 1 });
  });

  it("takes over a claim left by a run that died, after two minutes", async () => {
    const hook = await endpoint(["send.finished"]);
    const t0 = Date.now();
    const id = await emitFor(hook, WS, "send.finished", { sendId: "snd_2" }, t0);
    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'sending', claimed_at = ?, attempts = 1 WHERE id = ?").bind(t0, id).run();
    expect(await deliverWebhook(at(t0 + MINUTE), id!)).toBeNull();
    expect(await deliverWebhook(at(t0 + 2 * MINUTE + 1), id!)).toMatchObject({ delivered: true });
    expect(await delivery(id!)).toMatchObject({ status: "delivered", attempts: 2 });
    expect(await receivedAt(hook.key)).toHaveLength(1);
  });

  it("the queue consumer sends what a message names and acknowledges it, whatever the receiver said", async () => {
    const hook = await endpoint(["subscriber.added"], { failTimes: 1 });
    const id = await emitFor(hook, WS, "subscriber.added", { subscriberId: "sub_1", email: "a@example.com" });
    const settled: string[] = [];
    const message = (body: unknown, name: string) => ({ id: name, body, timestamp: new Date(), attempts: 1, ack: () => settled.push(`${name}:ack`), retry: () => settled.push(`${name}:retry`) }) as unknown as Message<unknown>;
    const batch = { queue: "webhooks", messages: [message({ type: "webhook.deliver", deliveryId: id }, "m1"), message({ type: "other" }, "m2")] } as unknown as MessageBatch<unknown>;
    const rest = await consumeWebhooks(batch, env);
    expect(settled).toEqual(["m1:ack"]);
    expect(rest.messages.map((m) => m.id)).toEqual(["m2"]);
    expect(await delivery(id!)).toMatchObject({ status: "pending", attempts: 1, lastStatus: 502 });
    expect(await receivedAt(hook.key)).toHaveLength(1);
  });

  it("refuses at send time an endpoint whose name now resolves to a private address, without a request", async () => {
    const hook = await endpoint(["send.finished"], { url: "https://hooks.internal-dns.test/in/x" });
    const id = await emitFor(hook, WS, "send.finished", { sendId: "snd_3" });
    const result = await deliverWebhook(at(Date.now()), id!);
    expect(result).toMatchObject({ delivered: false, status: null });
    expect(result!.error).toMatch(/resolves to 10\.0\.0\.7/);
    expect((await endpointRow(hook.id))!.failingSince).not.toBeNull();
  });

  it("puts a message on the queue per new delivery; a queue that refuses loses nothing, the sweep sends it", async () => {
    const hook = await endpoint(["content.approved"], { workspace: OTHER_WS });
    const sent: unknown[] = [];
    const queue = { sendBatch: async (messages: { body: unknown }[]) => void sent.push(...messages.map((m) => m.body)) } as unknown as Queue;
    const ids = await emitWebhookEvent(db(), OTHER_WS, "content.approved", { contentId: "cnt_q" }, { queue });
    expect(sent).toEqual(ids.map((deliveryId) => ({ type: "webhook.deliver", deliveryId })));
    const broken = { sendBatch: async () => Promise.reject(new Error("queue unavailable")) } as unknown as Queue;
    const t0 = Date.now();
    const id = await emitFor(hook, OTHER_WS, "content.approved", { contentId: "cnt_q2" }, t0);
    expect(id).toMatch(/^msg_/);
    const kept = await emitWebhookEvent(db(), OTHER_WS, "content.approved", { contentId: "cnt_q3" }, { queue: broken, now: t0 });
    expect(kept).toHaveLength(1);
    await sweepWebhooks(at(t0));
    expect(await delivery(kept[0]!)).toMatchObject({ status: "delivered" });
  });

  it("only endpoints of the event's workspace that subscribe to its type get a delivery", async () => {
    const mine = await endpoint(["content.approved"]);
    const otherType = await endpoint(["send.finished"]);
    const otherWorkspace = await endpoint(["content.approved"], { workspace: OTHER_WS });
    const ids = await emitWebhookEvent(db(), WS, "content.approved", { contentId: "cnt_1" }, { queue: null });
    const rows = (await env.DB.prepare(`SELECT endpoint_id AS e FROM webhook_deliveries WHERE id IN (${ids.map(() => "?").join(",")})`).bind(...ids).all<{ e: string }>()).results;
    const endpoints = rows.map((r) => r.e);
    expect(endpoints).toContain(mine.id);
    expect(endpoints).not.toContain(otherType.id);
    expect(endpoints).not.toContain(otherWorkspace.id);
  });
});

describe("three days of failures", () => {
  it("gives a delivery up after three days, and disables its endpoint with a notice to owners and admins", async () => {
    const hook = await endpoint(["publication.failed"], { workspace: DAYS_WS, failTimes: 1_000 });
    const t0 = Date.now();
    const [first] = await emitWebhookEvent(db(), DAYS_WS, "publication.failed", { publicationId: "pub_f1" }, { queue: null, now: t0 });
    // The cron runs; every due attempt fails.
    let now = t0;
    const sweepUntil = async (end: number) => {
      while (now < end) {
        await sweepWebhooks(at(now));
        const row = await delivery(first!);
        now = row!.nextAt && row!.nextAt > now ? Math.min(row!.nextAt, end) : now + 8 * 60 * MINUTE;
      }
    };
    await sweepUntil(t0 + 2 * DAY);
    expect(await endpointRow(hook.id)).toMatchObject({ status: "active", failingSince: t0 });
    const [second] = await emitWebhookEvent(db(), DAYS_WS, "publication.failed", { publicationId: "pub_f2" }, { queue: null, now: t0 + 2 * DAY });
    await sweepUntil(t0 + 3 * DAY + 9 * 60 * MINUTE);
    const firstRow = await delivery(first!);
    expect(firstRow!.status).toBe("failed");
    expect(firstRow!.lastError).toMatch(/gave up after \d+ attempts over 3 days/);
    expect(firstRow!.attempts).toBeGreaterThan(8);

    const disabled = await endpointRow(hook.id);
    expect(disabled).toMatchObject({ status: "disabled" });
    expect(disabled!.reason).toMatch(/No successful delivery for 3 days/);
    // The later event stops with its endpoint.
    expect(await delivery(second!)).toMatchObject({ status: "cancelled", nextAt: null });
    const notices = (await env.DB.prepare("SELECT user_id AS userId, text FROM notifications WHERE workspace_id = ? AND kind = 'webhook_disabled' ORDER BY user_id").bind(DAYS_WS).all<{ userId: string; text: string }>()).results;
    expect(notices.map((n) => n.userId)).toEqual(["usr_h_admin", "usr_h_owner"]);
    expect(notices[0]!.text).toContain("enable it again");

    // Disabled: nothing more is sent, and no new event makes a delivery.
    const sentSoFar = (await receivedAt(hook.key)).length;
    expect(await emitWebhookEvent(db(), DAYS_WS, "publication.failed", { publicationId: "pub_f3" }, { queue: null })).toEqual([]);
    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = 0 WHERE id = ?").bind(second).run();
    await sweepWebhooks(at(now + DAY));
    expect(await receivedAt(hook.key)).toHaveLength(sentSoFar);
    // A second disabling pass notifies nobody again.
    await sweepWebhooks(at(now + 2 * DAY));
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM notifications WHERE kind = 'webhook_disabled' AND workspace_id = ?").bind(DAYS_WS).first<{ n: number }>())!.n).toBe(2);
  });

  it("the sweep disables an endpoint failing for 3 days even with nothing left to retry; a success in between resets the clock", async () => {
    const idle = await endpoint(["send.finished"], { workspace: DAYS_WS });
    const recovered = await endpoint(["send.finished"], { workspace: DAYS_WS });
    const t0 = Date.now();
    await env.DB.prepare("UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?").bind(t0 - 3 * DAY - 1, idle.id).run();
    await env.DB.prepare("UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?").bind(t0 - 2 * DAY, recovered.id).run();
    const [id] = await emitWebhookEvent(db(), DAYS_WS, "send.finished", { sendId: "snd_9" }, { queue: null, now: t0 });
    // The idle endpoint is disabled before its delivery is tried; the other one's success forgives it.
    await sweepWebhooks(at(t0));
    expect((await endpointRow(idle.id))!.status).toBe("disabled");
    expect(await receivedAt(idle.key)).toEqual([]);
    expect(await endpointRow(recovered.id)).toMatchObject({ status: "active", failingSince: null });
    await sweepWebhooks(at(t0 + 2 * DAY));
    expect((await endpointRow(recovered.id))!.status).toBe("active");
    expect(id).toBeDefined();
  });
});
