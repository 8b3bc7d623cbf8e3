/**
 * A send, driven by `email.send` messages. Each message works for up to BUDGET_MS, then hands over
 * to a fresh message, so a send of any size never hits an invocation's limits.
 *
 * The guarantee (nobody mailed twice, nobody skipped) rests on the deliveries table:
 * 1. when the send starts, one `queued` row per recipient is written (the audience is fixed then);
 * 2. a batch is claimed (`sending`, a fresh batch key, the time) BEFORE the provider call, and
 *    completed (`sent` with the provider's id, or `failed` with its message) AFTER it;
 * 3. a batch still `sending` after STALE_CLAIM_MS (a crash, a deploy, a timeout) is reconciled with
 *    the provider: what it holds becomes `sent`, the rest goes back to `queued`; when the provider
 *    cannot tell, the rows become `unconfirmed` and are not sent again.
 * Pause and cancel are read between batches; throttling spaces batches to the configured rate.
 */
import { countDelivered } from "../../../lib/analytics/email-daily";
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../../lib/db/client";
import { emailDeliveries, emailSends, segments, type EmailSend } from "../../../lib/db/schema";
import { randomBytes, toHex } from "../../../lib/crypto/encoding";
import { runBatch } from "../../../lib/email/batch";
import { buildBatch, type Person } from "../../../lib/email/outgoing";
import { PROVIDER_TIMEOUT_MS, ProviderError, type BatchResult } from "../../../lib/email/providers";
import { audienceCondition, segmentRules } from "../../../lib/email/segments";
import { outboxOf, type Outbox } from "../../../lib/email/settings";
import { stamped, type EmailMessage } from "../../../lib/queues/messages";
import { log } from "../../../lib/log";
import { emitSendFinished } from "../../../lib/webhooks/emit";

export const BUDGET_MS = 20_000;
export const STALE_CLAIM_MS = PROVIDER_TIMEOUT_MS + 15_000;
/** Queues delay messages by at most 12 hours; a send scheduled further out is re-delayed. */
const MAX_DELAY_S = 12 * 60 * 60;

export type SendContext = { db: Db; env: object; secret: string; queue: Queue; now?: () => number };

type Claimed = { id: string; subscriberId: string | null; email: string; firstName: string | null; lastName: string | null };

const next = (ctx: SendContext, sendId: string, delaySeconds = 0) =>
  ctx.queue.send(stamped({ type: "email.send", sendId } satisfies EmailMessage), delaySeconds > 0 ? { delaySeconds: Math.min(MAX_DELAY_S, Math.ceil(delaySeconds)) } : undefined);

const load = (db: Db, id: string) => db.select().from(emailSends).where(eq(emailSends.id, id)).get();

export async function processSend(ctx: SendContext, sendId: string): Promise<void> {
  const now = ctx.now ?? Date.now;
  const started = now();
  let send = await load(ctx.db, sendId);
  if (!send) return;
  if (send.status === "scheduled") {
    const wait = send.scheduledAt.getTime() - now();
    if (wait > 1000) return void (await next(ctx, sendId, wait / 1000));
    await ctx.db.update(emailSends).set({ status: "preparing", startedAt: new Date(now()) }).where(and(eq(emailSends.id, sendId), eq(emailSends.status, "scheduled")));
    send = (await load(ctx.db, sendId))!;
  }
  if (send.status === "preparing") send = await prepare(ctx.db, send);
  if (send.status !== "sending") return;
  await ctx.db.update(emailSends).set({ heartbeatAt: new Date(now()) }).where(eq(emailSends.id, sendId));

  const outbox = await outboxOf(ctx.db, ctx.env, send.workspaceId);
  if (!outbox) {
    await ctx.db.update(emailSends).set({ status: "paused", lastError: "No email provider is configured: set one in Newsletters → Settings, then resume." }).where(eq(emailSends.id, sendId));
    return;
  }
  if (!(await reconcileStale(ctx, send, outbox))) return;

  const rate = Math.max(1, outbox.settings.ratePerSecond);
  const perBatch = Math.min(outbox.provider.maxBatch, rate);
  const spacingMs = (perBatch / rate) * 1000;
  // One log line per run (Workers Logs; the benchmark reads them): where the time went.
  const run = { batches: 0, messages: 0, claimMs: 0, buildMs: 0, providerMs: 0, completeMs: 0, throttleMs: 0, wallStarted: Date.now() };
  const report = (ending: string) =>
    log.info("email_send_run", { sendId, ending, ...run, wallStarted: undefined, ms: Date.now() - run.wallStarted });
  let ending = "budget";
  while (now() - started < BUDGET_MS) {
    const current = await ctx.db.select({ status: emailSends.status }).from(emailSends).where(eq(emailSends.id, sendId)).get();
    if (current?.status !== "sending") return report(current?.status ?? "gone");
    const batchStarted = now();
    const batchKey = `bat_${toHex(randomBytes(12))}`;
    const claimStarted = Date.now();
    const claimed = await claim(ctx.db, send, batchKey, perBatch, now());
    run.claimMs += Date.now() - claimStarted;
    if (claimed.length === 0) {
      ending = "drained";
      break;
    }
    const outcome = await deliver(ctx, send, outbox, batchKey, claimed, run);
    if (outcome.stop) {
      report("provider");
      return void (await next(ctx, sendId, outcome.retryAfterSeconds));
    }
    run.batches++;
    run.messages += claimed.length;
    const wait = spacingMs - (now() - batchStarted);
    if (wait > 0) {
      run.throttleMs += wait;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  report(ending);
  await finishOrContinue(ctx, send);
}

/** Writes one queued delivery per recipient (idempotent: a second run adds nobody twice). */
async function prepare(db: Db, send: EmailSend): Promise<EmailSend> {
  const rules = send.segmentId ? await db.select({ rules: segments.rules }).from(segments).where(eq(segments.id, send.segmentId)).get() : null;
  const audience = audienceCondition(send.workspaceId, { listId: send.listId, rules: rules ? segmentRules.parse(rules.rules) : null });
  await runBatch(db, [
    sql`INSERT INTO email_deliveries (id, workspace_id, send_id, subscriber_id, email, first_name, last_name, status)
      SELECT 'dlv_' || lower(hex(randomblob(12))), s.workspace_id, ${send.id}, s.id, s.email, s.first_name, s.last_name, 'queued'
      FROM subscribers s WHERE ${audience} ON CONFLICT DO NOTHING`,
    sql`UPDATE email_sends SET status = 'sending', total = (SELECT COUNT(*) FROM email_deliveries WHERE send_id = ${send.id}) WHERE id = ${send.id} AND status = 'preparing'`,
  ]);
  return (await load(db, send.id))!;
}

async function claim(db: Db, send: EmailSend, batchKey: string, limit: number, at: number): Promise<Claimed[]> {
  const claimed = await db.all<Claimed>(sql`UPDATE email_deliveries SET status = 'sending', batch_key = ${batchKey}, claimed_at = ${at}
    WHERE id IN (SELECT id FROM email_deliveries WHERE send_id = ${send.id} AND status = 'queued' ORDER BY id LIMIT ${limit})
    RETURNING id, subscriber_id AS subscriberId, email, first_name AS firstName, last_name AS lastName`);
  // Whoever unsubscribed, bounced, complained or was erased since the send started is skipped.
  const skipped = new Set(
    (
      await db.all<{ id: string }>(sql`SELECT d.id FROM email_deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
        WHERE d.batch_key = ${batchKey} AND (s.id IS NULL OR s.status <> 'subscribed'
          OR EXISTS (SELECT 1 FROM suppressions x WHERE x.workspace_id = s.workspace_id AND x.email_hash = s.email_hash))`)
    ).map((r) => r.id),
  );
  if (skipped.size > 0) {
    await db.run(sql`UPDATE email_deliveries SET status = 'skipped', error = 'unsubscribed or suppressed before their turn' WHERE batch_key = ${batchKey} AND id IN (SELECT value FROM json_each(${JSON.stringify([...skipped])}))`);
  }
  return claimed.filter((c) => !skipped.has(c.id));
}

function peopleOf(rows: Claimed[]): Person[] {
  return rows.map((r) => ({ deliveryId: r.id, subscriberId: r.subscriberId!, email: r.email, firstName: r.firstName, lastName: r.lastName }));
}

function batchFor(ctx: SendContext, send: EmailSend, outbox: Outbox, batchKey: string, rows: Claimed[]) {
  return buildBatch({
    secret: ctx.secret,
    baseUrl: send.baseUrl,
    workspaceId: send.workspaceId,
    sendId: send.id,
    sender: outbox.sender,
    message: { subject: send.subject, html: send.html, text: send.text },
    people: peopleOf(rows),
    batchKey,
  });
}

/**
 * Completes a batch from the provider's answer; whoever it does not name goes back to the queue.
 * The unary `+` keeps SQLite from driving the join from the batch-key index: that plan re-reads the
 * whole JSON list for every row of the batch (1,000 × 1,000 decodes, about 0.7 s a batch), where
 * this one walks the list once and looks each delivery up by its primary key (a few ms).
 */
async function complete(db: Db, send: EmailSend, batchKey: string, result: BatchResult, at: number) {
  const sent = JSON.stringify(result.accepted.map((a) => ({ id: a.deliveryId, m: a.messageId })));
  const failed = JSON.stringify(result.rejected.map((r) => ({ id: r.deliveryId, e: r.error })));
  await runBatch(db, [
    countDelivered(send.workspaceId, batchKey, result.accepted.map((a) => a.deliveryId), at),
    sql`UPDATE email_deliveries SET status = 'sent', sent_at = ${at}, provider_message_id = j.m
      FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.m') AS m FROM json_each(${sent})) AS j
      WHERE email_deliveries.id = j.id AND +email_deliveries.batch_key = ${batchKey} AND +email_deliveries.status = 'sending'`,
    sql`UPDATE email_deliveries SET status = 'failed', error = j.e
      FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.e') AS e FROM json_each(${failed})) AS j
      WHERE email_deliveries.id = j.id AND +email_deliveries.batch_key = ${batchKey} AND +email_deliveries.status = 'sending'`,
    sql`UPDATE email_deliveries SET status = 'queued', batch_key = NULL, claimed_at = NULL WHERE batch_key = ${batchKey} AND status = 'sending'`,
    sql`UPDATE email_sends SET heartbeat_at = ${at},
      sent = (SELECT COUNT(*) FROM email_deliveries WHERE send_id = ${send.id} AND status = 'sent'),
      failed = (SELECT COUNT(*) FROM email_deliveries WHERE send_id = ${send.id} AND status IN ('failed', 'unconfirmed'))
      WHERE id = ${send.id}`,
  ]);
}

type Outcome = { stop: false } | { stop: true; retryAfterSeconds: number };

type RunTimes = { buildMs: number; providerMs: number; completeMs: number };

async function deliver(ctx: SendContext, send: EmailSend, outbox: Outbox, batchKey: string, rows: Claimed[], run: RunTimes): Promise<Outcome> {
  if (rows.length === 0) return { stop: false };
  const built = Date.now();
  const batch = await batchFor(ctx, send, outbox, batchKey, rows);
  const called = Date.now();
  run.buildMs += called - built;
  try {
    const result = await outbox.provider.send(batch);
    const answered = Date.now();
    run.providerMs += answered - called;
    await complete(ctx.db, send, batchKey, result, (ctx.now ?? Date.now)());
    run.completeMs += Date.now() - answered;
    return { stop: false };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    await ctx.db.update(emailSends).set({ lastError: error.message }).where(eq(emailSends.id, send.id));
    // No answer: the provider may hold the batch. It stays claimed until reconciliation.
    if (error.ambiguous) return { stop: true, retryAfterSeconds: STALE_CLAIM_MS / 1000 };
    const release = () => ctx.db.update(emailDeliveries).set({ status: "queued", batchKey: null, claimedAt: null }).where(and(eq(emailDeliveries.batchKey, batchKey), eq(emailDeliveries.status, "sending")));
    if (error.retryable) {
      await release();
      return { stop: true, retryAfterSeconds: error.retryAfterSeconds ?? 30 };
    }
    if (error.status === 401 || error.status === 403) {
      // A refused key fails every batch alike: pause, so fixing the key and resuming loses nobody.
      await release();
      await ctx.db.update(emailSends).set({ status: "paused" }).where(and(eq(emailSends.id, send.id), eq(emailSends.status, "sending")));
      return { stop: true, retryAfterSeconds: 0 };
    }
    await complete(ctx.db, send, batchKey, { accepted: [], rejected: rows.map((r) => ({ deliveryId: r.id, error: error.message })) }, Date.now());
    return { stop: false };
  }
}

/** Settles batches left `sending` by a crash; false when this run should wait for fresher claims. */
async function reconcileStale(ctx: SendContext, send: EmailSend, outbox: Outbox): Promise<boolean> {
  const now = (ctx.now ?? Date.now)();
  const keys = await ctx.db.all<{ batchKey: string }>(sql`SELECT DISTINCT batch_key AS batchKey FROM email_deliveries
    WHERE send_id = ${send.id} AND status = 'sending' AND claimed_at < ${now - STALE_CLAIM_MS}`);
  for (const { batchKey } of keys) {
    const rows = await ctx.db
      .select({ id: emailDeliveries.id, subscriberId: emailDeliveries.subscriberId, email: emailDeliveries.email, firstName: emailDeliveries.firstName, lastName: emailDeliveries.lastName })
      .from(emailDeliveries)
      .where(and(eq(emailDeliveries.batchKey, batchKey), eq(emailDeliveries.status, "sending")))
      .all();
    const batch = await batchFor(ctx, send, outbox, batchKey, rows);
    let result: BatchResult | null;
    try {
      result = await outbox.provider.reconcile(batch);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      await ctx.db.update(emailSends).set({ lastError: `Checking an interrupted batch: ${error.message}` }).where(eq(emailSends.id, send.id));
      await next(ctx, send.id, error.retryAfterSeconds ?? 60);
      return false;
    }
    if (result) {
      await complete(ctx.db, send, batchKey, result, now);
    } else {
      await ctx.db
        .update(emailDeliveries)
        .set({ status: "unconfirmed", error: `${outbox.provider.name} cannot say whether this message left before the interruption; it was not sent again, so nobody gets it twice.` })
        .where(and(eq(emailDeliveries.batchKey, batchKey), eq(emailDeliveries.status, "sending")));
      await complete(ctx.db, send, batchKey, { accepted: [], rejected: [] }, now);
    }
  }
  return true;
}

async function finishOrContinue(ctx: SendContext, send: EmailSend): Promise<void> {
  const left = await ctx.db.get<{ queued: number; sending: number }>(sql`SELECT
    COALESCE(SUM(status = 'queued'), 0) AS queued, COALESCE(SUM(status = 'sending'), 0) AS sending
    FROM email_deliveries WHERE send_id = ${send.id} AND status IN ('queued', 'sending')`);
  if (left.queued > 0) return void (await next(ctx, send.id));
  if (left.sending > 0) return void (await next(ctx, send.id, STALE_CLAIM_MS / 1000));
  const finished = await ctx.db.run(sql`UPDATE email_sends SET status = 'sent', finished_at = ${(ctx.now ?? Date.now)()},
      sent = (SELECT COUNT(*) FROM email_deliveries WHERE send_id = ${send.id} AND status = 'sent'),
      failed = (SELECT COUNT(*) FROM email_deliveries WHERE send_id = ${send.id} AND status IN ('failed', 'unconfirmed'))
      WHERE id = ${send.id} AND status = 'sending'`);
  if (finished.meta.changes > 0) await emitSendFinished(ctx.db, send.id);
}
