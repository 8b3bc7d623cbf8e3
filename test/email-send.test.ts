/**
 * The publisher Worker's send consumer under crashes: a provider call that never answers (the
 * provider took the batch, or never saw it), a consumer that dies between claiming and completing,
 * two consumers racing, a 500. In every case each subscriber ends up mailed exactly once, or, when
 * the provider cannot say what it took, marked `unconfirmed` and never mailed twice.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../lib/db/client";
import { emailSends, emailSettings, newsletters, subscribers, workspaces } from "../lib/db/schema";
import { suppressionHash } from "../lib/email/address";
import { sealProviderKey } from "../lib/email/secrets";
import { renderNewsletter } from "../lib/email/template";
import { newId } from "../lib/ids";
import { processSend, STALE_CLAIM_MS, type SendContext } from "../workers/publisher/email/send";
import { STALLED_MS, sweepSends } from "../workers/publisher/email/sweep";

const db = database(env.DB);
const secret = env.SESSION_SECRET;

type Mail = { to: string; subject: string; text: string; headers: Record<string, string>; msgId: string; at: number };
const HOSTS = { sendgrid: "api.sendgrid.com", resend: "api.resend.com" } as const;

async function setup(provider: "sendgrid" | "resend", people: number, keyPrefix = provider === "sendgrid" ? "SG." : "re_") {
  const workspaceId = newId("ws");
  const apiKey = `${keyPrefix}${crypto.randomUUID()}`;
  await db.insert(workspaces).values({ id: workspaceId, name: "Crash test" });
  await db.insert(emailSettings).values({
    workspaceId,
    provider,
    apiKeyEncrypted: await sealProviderKey(env.TOKEN_KEY, workspaceId, apiKey),
    fromEmail: "news@acme.test",
    fromName: "Acme",
    unsubscribeMailto: "unsubscribe@acme.test",
    ratePerSecond: 10_000,
    updatedAt: new Date(),
  });
  const rows = await Promise.all(
    Array.from({ length: people }, async (_, i) => {
      const email = `reader${i}@example.com`;
      return { id: newId("sub"), workspaceId, email, emailNormalized: email, emailHash: await suppressionHash(workspaceId, email), firstName: `R${i}`, status: "subscribed" as const, source: "import" };
    }),
  );
  for (let i = 0; i < rows.length; i += 10) await db.insert(subscribers).values(rows.slice(i, i + 10));
  const newsletterId = newId("nwl");
  await db.insert(newsletters).values({ id: newsletterId, workspaceId, subject: "Hi {{first_name|there}}", updatedAt: new Date() });
  const { html, text } = renderNewsletter({ subject: "Hi", preheader: "", intro: "Hello {{first_name|there}}", items: [], senderName: "Acme", postalAddress: "" });
  const sendId = newId("snd");
  await db.insert(emailSends).values({ id: sendId, workspaceId, newsletterId, status: "scheduled", scheduledAt: new Date(), subject: "Hi {{first_name|there}}", preheader: "", html, text, baseUrl: "https://engine.test" });
  return { workspaceId, apiKey, sendId };
}

/** A stand-in for the queue binding that records follow-up messages instead of delivering them. */
function context(clock: { now: number }): SendContext & { followUps: unknown[] } {
  const followUps: unknown[] = [];
  const queue = { send: async (body: unknown) => void followUps.push(body) } as unknown as Queue;
  return { db, env, secret, queue, now: () => clock.now, followUps };
}

const mail = async (provider: keyof typeof HOSTS, key: string) => (await (await fetch(`https://${HOSTS[provider]}/__fake/messages?key=${encodeURIComponent(key)}`)).json()) as Mail[];
const fault = (provider: keyof typeof HOSTS, body: Record<string, unknown>) => fetch(`https://${HOSTS[provider]}/__fake/faults`, { method: "POST", body: JSON.stringify(body) });

async function deliveries(sendId: string) {
  const { results } = await env.DB.prepare("SELECT status, COUNT(*) AS n FROM email_deliveries WHERE send_id = ? GROUP BY status").bind(sendId).all<{ status: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.status, r.n]));
}

function expectEachOnce(messages: Mail[], people: number) {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
  const duplicates = [...counts.values()].filter((n) => n > 1).length;
  const missing = Array.from({ length: people }, (_, i) => `reader${i}@example.com`).filter((e) => !counts.has(e)).length;
  expect({ duplicates, missing }).toEqual({ duplicates: 0, missing: 0 });
}

const sendStatus = async (id: string) => (await env.DB.prepare("SELECT status, sent, total FROM email_sends WHERE id = ?").bind(id).first<{ status: string; sent: number; total: number }>())!;

describe("resuming a send after a crash", { timeout: 60_000 }, () => {
  it("a batch the provider took but never confirmed is found through the Email Activity API, not sent again", async () => {
    const { apiKey, sendId } = await setup("sendgrid", 2500);
    await fault("sendgrid", { key: apiKey, request: 2, fault: "drop-after-accept" });
    const clock = { now: Date.now() };
    const ctx = context(clock);
    await processSend(ctx, sendId);
    expect(await deliveries(sendId)).toEqual({ sent: 1000, sending: 1000, queued: 500 });
    expect(ctx.followUps).toHaveLength(1);
    // Right after, the claim is fresh: another runner must not touch it. Later, it is reconciled.
    clock.now += STALE_CLAIM_MS + 1000;
    await processSend(ctx, sendId);
    expect(await deliveries(sendId)).toEqual({ sent: 2500 });
    expect(await sendStatus(sendId)).toMatchObject({ status: "sent", sent: 2500, total: 2500 });
    expectEachOnce(await mail("sendgrid", apiKey), 2500);
  });

  it("a batch that never reached the provider goes back to the queue and is sent once", async () => {
    const { apiKey, sendId } = await setup("sendgrid", 2500);
    await fault("sendgrid", { key: apiKey, request: 2, fault: "drop-before-accept" });
    const clock = { now: Date.now() };
    const ctx = context(clock);
    await processSend(ctx, sendId);
    expect(await deliveries(sendId)).toEqual({ sent: 1000, sending: 1000, queued: 500 });
    clock.now += STALE_CLAIM_MS + 1000;
    await processSend(ctx, sendId);
    expect(await sendStatus(sendId)).toMatchObject({ status: "sent", sent: 2500 });
    expectEachOnce(await mail("sendgrid", apiKey), 2500);
  });

  it("a consumer that died between claiming and calling the provider leaves nobody out", async () => {
    const { apiKey, sendId } = await setup("sendgrid", 1200);
    const clock = { now: Date.now() };
    const ctx = context(clock);
    // Prepare, then "die" holding a claim: the batch is claimed and never sent.
    await env.DB.prepare(
      "INSERT INTO email_deliveries (id, workspace_id, send_id, subscriber_id, email, first_name, status) SELECT 'dlv_' || lower(hex(randomblob(8))), workspace_id, ?, id, email, first_name, 'queued' FROM subscribers WHERE workspace_id = (SELECT workspace_id FROM email_sends WHERE id = ?)",
    )
      .bind(sendId, sendId)
      .run();
    await env.DB.prepare("UPDATE email_sends SET status = 'sending', total = 1200 WHERE id = ?").bind(sendId).run();
    await env.DB.prepare("UPDATE email_deliveries SET status = 'sending', batch_key = 'bat_dead', claimed_at = ? WHERE id IN (SELECT id FROM email_deliveries WHERE send_id = ? ORDER BY id LIMIT 700)").bind(clock.now - STALE_CLAIM_MS - 5000, sendId).run();
    await processSend(ctx, sendId);
    expect(await sendStatus(sendId)).toMatchObject({ status: "sent", sent: 1200 });
    expectEachOnce(await mail("sendgrid", apiKey), 1200);
  });

  it("two consumers racing on one send never mail anyone twice", async () => {
    const { apiKey, sendId, workspaceId } = await setup("sendgrid", 3000);
    await db.update(emailSettings).set({ ratePerSecond: 500 }).where(eq(emailSettings.workspaceId, workspaceId));
    const clock = { now: Date.now() };
    await Promise.all([processSend(context(clock), sendId), processSend(context(clock), sendId)]);
    const ctx = context(clock);
    for (let i = 0; i < 5 && (await sendStatus(sendId)).status !== "sent"; i++) await processSend(ctx, sendId);
    expect(await sendStatus(sendId)).toMatchObject({ status: "sent", sent: 3000 });
    expectEachOnce(await mail("sendgrid", apiKey), 3000);
  });

  it("a server error is settled like no answer; a 429 gives the batch back to the queue at once", async () => {
    const { apiKey, sendId } = await setup("sendgrid", 1500);
    await fault("sendgrid", { key: apiKey, request: 2, fault: "status-500" });
    await fault("sendgrid", { key: apiKey, request: 3, fault: "status-429" });
    const clock = { now: Date.now() };
    const ctx = context(clock);
    await processSend(ctx, sendId);
    expect(await deliveries(sendId)).toEqual({ sent: 1000, sending: 500 });
    clock.now += STALE_CLAIM_MS + 1000;
    await processSend(ctx, sendId);
    expect(await deliveries(sendId)).toEqual({ sent: 1000, queued: 500 });
    expect((await sendStatus(sendId)).status).toBe("sending");
    await processSend(ctx, sendId);
    expect(await sendStatus(sendId)).toMatchObject({ status: "sent", sent: 1500 });
    expectEachOnce(await mail("sendgrid", apiKey), 1500);
  });

  it("Resend: the replayed batch carries the same Idempotency-Key, so the provider does not send it twice", async () => {
    const { apiKey, sendId } = await setup("resend", 250);
    await fault("resend", { key: apiKey, request: 2, fault: "drop-after-accept" });
    const clock = { now: Date.now() };
    const ctx = context(clock);
    await processSend(ctx, sendId);
    expect(await deliveries(sendId)).toEqual({ sent: 100, sending: 100, queued: 50 });
    clock.now += STALE_CLAIM_MS + 1000;
    await processSend(ctx, sendId);
    expect(await sendStatus(sendId)).toMatchObject({ status: "sent", sent: 250 });
    expectEachOnce(await mail("resend", apiKey), 250);
  });

  it("when the provider cannot tell, the batch is marked unconfirmed and never sent twice", async () => {
    const { apiKey, sendId } = await setup("sendgrid", 1500, "SG.noactivity-");
    await fault("sendgrid", { key: apiKey, request: 2, fault: "drop-after-accept" });
    const clock = { now: Date.now() };
    const ctx = context(clock);
    await processSend(ctx, sendId);
    clock.now += STALE_CLAIM_MS + 1000;
    await processSend(ctx, sendId);
    expect(await deliveries(sendId)).toEqual({ sent: 1000, unconfirmed: 500 });
    const messages = await mail("sendgrid", apiKey);
    // All 1,500 did arrive (the provider had taken the batch), and none twice.
    expectEachOnce(messages, 1500);
    expect((await sendStatus(sendId)).status).toBe("sent");
  });
});

describe("the minute sweep", { timeout: 60_000 }, () => {
  /** The sweep with a queue that records what it is given. */
  async function sweepAt(now: number) {
    const sent: unknown[] = [];
    const queue = { sendBatch: async (messages: { body: unknown }[]) => void sent.push(...messages.map((m) => m.body)) } as unknown as Queue;
    const picked = await sweepSends({ DB: env.DB, EMAIL_QUEUE: queue }, now);
    expect(sent).toEqual(picked.map((sendId) => ({ type: "email.send", sendId })));
    return picked;
  }

  it("starts a due scheduled send whose message was lost, not one scheduled later, nor a paused one", async () => {
    const due = await setup("sendgrid", 3);
    const later = await setup("sendgrid", 3);
    const paused = await setup("sendgrid", 3);
    const now = Date.now();
    await db.update(emailSends).set({ scheduledAt: new Date(now + 3_600_000) }).where(eq(emailSends.id, later.sendId));
    await db.update(emailSends).set({ status: "paused", startedAt: new Date(now - 3_600_000) }).where(eq(emailSends.id, paused.sendId));
    const picked = await sweepAt(now);
    expect(picked).toContain(due.sendId);
    expect(picked).not.toContain(later.sendId);
    expect(picked).not.toContain(paused.sendId);
    // The message it puts back runs the send like the lost one would have.
    await processSend(context({ now }), due.sendId);
    expect(await sendStatus(due.sendId)).toMatchObject({ status: "sent", sent: 3 });
    expect(await sweepAt(now)).not.toContain(due.sendId);
  });

  it("restarts a running send that lost its message, and the restart mails nobody twice", async () => {
    const { apiKey, sendId } = await setup("sendgrid", 1500);
    await fault("sendgrid", { key: apiKey, request: 2, fault: "drop-before-accept" });
    const clock = { now: Date.now() };
    const ctx = context(clock);
    await processSend(ctx, sendId);
    expect(await deliveries(sendId)).toEqual({ sent: 1000, sending: 500 });
    // The follow-up message it asked for (in 45 s) is lost: nothing runs the send any more.
    expect(ctx.followUps).toHaveLength(1);
    expect(await sweepAt(clock.now + 60_000)).not.toContain(sendId);
    clock.now += STALLED_MS + 1000;
    expect(await sweepAt(clock.now)).toContain(sendId);
    await processSend(context(clock), sendId);
    expect(await sendStatus(sendId)).toMatchObject({ status: "sent", sent: 1500 });
    expectEachOnce(await mail("sendgrid", apiKey), 1500);
  });
});

describe("throttling", { timeout: 60_000 }, () => {
  it("keeps to the provider's configured rate: batches no larger than a second's worth, a second apart", async () => {
    const { apiKey, sendId, workspaceId } = await setup("sendgrid", 250);
    await db.update(emailSettings).set({ ratePerSecond: 100 }).where(eq(emailSettings.workspaceId, workspaceId));
    await processSend(context({ now: Date.now() }), sendId);
    expect(await sendStatus(sendId)).toMatchObject({ status: "sent", sent: 250 });
    const messages = await mail("sendgrid", apiKey);
    expectEachOnce(messages, 250);
    // One request per msgId: 100, 100, 50, each at least ~a second after the one before.
    const requests = [...Map.groupBy(messages, (m) => m.msgId).values()].map((group) => ({ size: group.length, at: Math.min(...group.map((m) => m.at)) })).sort((a, b) => a.at - b.at);
    expect(requests.map((r) => r.size)).toEqual([100, 100, 50]);
    for (let i = 1; i < requests.length; i++) expect(requests[i]!.at - requests[i - 1]!.at).toBeGreaterThanOrEqual(950);
  });
});
