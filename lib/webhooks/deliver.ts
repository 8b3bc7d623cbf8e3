/**
 * Sending deliveries. Each attempt first claims the row with a conditional UPDATE (`pending` and due,
 * or a `sending` claim gone stale), so a queue message and the minute sweep racing for the same
 * delivery send it once. The POST goes only to a public https address (the private-address checks
 * of lib/http/safe-fetch.ts, after DNS too), signed per Standard Webhooks (signature.ts), with a
 * short deadline and no redirects followed.
 *
 * A 2xx is delivered. Anything else is retried with exponential backoff (1 min, 5 min, 25 min, 2 h,
 * then every 8 h) until the delivery is three days old, when it is given up. The endpoint remembers
 * when it started failing; one failing without a single success for three days is disabled, its
 * waiting deliveries are cancelled, and the workspace's owners and admins get a notice in the app.
 */
import { and, asc, eq, lte, or, lt, sql } from "drizzle-orm";
import { tokenKey } from "../config/env";
import { database, type Db } from "../db/client";
import { notifications, webhookDeliveries, webhookEndpoints, type WebhookDelivery, type WebhookEndpoint } from "../db/schema";
import { allowsLoopback } from "../http/loopback";
import { log } from "../log";
import { assertFetchable, FetchFailed, FetchRefused, isLoopbackHost, USER_AGENT, type Resolver } from "../http/safe-fetch";
import { signPayload, unsealSigningSecret } from "./signature";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A delivery is retried until it is this old; an endpoint failing this long is disabled. */
export const GIVE_UP_AFTER_MS = 3 * DAY;
export const DISABLE_AFTER_MS = 3 * DAY;
export const DELIVERY_TIMEOUT_MS = 10_000;
/** A `sending` claim older than this belongs to a run that died: the sweep takes it over. */
export const STALE_CLAIM_MS = 2 * MINUTE;
const MAX_BACKOFF_MS = 8 * HOUR;
const EXCERPT_CHARS = 300;
const SWEEP_LIMIT = 50;
const SWEEP_CONCURRENCY = 8;

/** The wait after the `attempts`-th failed attempt: 1 min × 5^(n−1), at most 8 hours. */
export const backoff = (attempts: number) => Math.min(MINUTE * 5 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);

export type DeliveryContext = {
  db: Db;
  /** TOKEN_KEY, which seals the endpoints' signing secrets. */
  tokenKey: string;
  /** ALLOW_LOOPBACK=1 (lib/http/loopback.ts): receivers on this machine, over http too. */
  allowLoopback?: boolean;
  now?: () => number;
  fetch?: typeof fetch;
  resolve?: Resolver;
  timeoutMs?: number;
};

export const deliveryContext = (env: { DB: D1Database }): DeliveryContext => ({ db: database(env.DB), tokenKey: tokenKey(env), allowLoopback: allowsLoopback(env) });

export type AttemptResult = { delivered: boolean; status: number | null; excerpt: string | null; error: string | null };

/** Why this URL cannot receive webhooks, or null when it can (scheme and host, after DNS). */
export async function refusedTarget(url: string, options: { allowLoopback?: boolean; resolve?: Resolver } = {}): Promise<string | null> {
  try {
    const target = await assertFetchable(url, options);
    if (target.protocol !== "https:" && !(options.allowLoopback && isLoopbackHost(target.hostname))) return "Refused: webhooks are only sent to https URLs";
    return null;
  } catch (err) {
    if (err instanceof FetchRefused || err instanceof FetchFailed) return err.message;
    throw err;
  }
}

/** The first characters of the answer, read under the same deadline, never the whole of a big body. */
async function excerptOf(response: Response, signal: AbortSignal): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const deadline = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  deadline.catch(() => reader.cancel().catch(() => undefined));
  try {
    while (total < EXCERPT_CHARS * 4) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    // A body that stops arriving: what came is enough for the log.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) bytes.set(c, (offset += c.byteLength) - c.byteLength);
  return new TextDecoder().decode(bytes).slice(0, EXCERPT_CHARS);
}

/** One signed POST. Never throws for the receiver's trouble: it is in the result. */
export async function attempt(ctx: DeliveryContext, endpoint: Pick<WebhookEndpoint, "id" | "url" | "secretSealed">, delivery: Pick<WebhookDelivery, "id" | "payload">): Promise<AttemptResult> {
  const failed = (error: string, status: number | null = null, excerpt: string | null = null): AttemptResult => ({ delivered: false, status, excerpt, error });
  const refusal = await refusedTarget(endpoint.url, { allowLoopback: ctx.allowLoopback, resolve: ctx.resolve });
  if (refusal) return failed(refusal);
  const secret = await unsealSigningSecret(ctx.tokenKey, endpoint.id, endpoint.secretSealed);
  const timestamp = Math.floor((ctx.now ?? Date.now)() / 1000);
  const timeoutMs = ctx.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await (ctx.fetch ?? fetch)(endpoint.url, {
      method: "POST",
      redirect: "manual",
      signal,
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": delivery.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": await signPayload(secret, delivery.id, timestamp, delivery.payload),
      },
      body: delivery.payload,
    });
  } catch (err) {
    return failed(signal.aborted ? `No answer within ${timeoutMs / 1000} s` : `Could not reach ${new URL(endpoint.url).host}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const excerpt = await excerptOf(response, signal);
  if (response.status >= 200 && response.status < 300) return { delivered: true, status: response.status, excerpt, error: null };
  if (response.status >= 300 && response.status < 400) {
    return failed(`Answered ${response.status} (a redirect to ${response.headers.get("location") ?? "nowhere"}): webhooks do not follow redirects, register the final URL`, response.status, excerpt);
  }
  return failed(`Answered ${response.status}`, response.status, excerpt);
}

const claimable = (now: number) =>
  or(and(eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, new Date(now))), and(eq(webhookDeliveries.status, "sending"), lt(webhookDeliveries.claimedAt, new Date(now - STALE_CLAIM_MS))));

/**
 * Sends one delivery if it is due and its endpoint is active, and records the outcome. Returns null
 * when there was nothing to do (already sent, not due, claimed by someone else, endpoint disabled).
 */
export async function deliverWebhook(ctx: DeliveryContext, deliveryId: string): Promise<AttemptResult | null> {
  const now = (ctx.now ?? Date.now)();
  const [claimed] = await ctx.db
    .update(webhookDeliveries)
    .set({ status: "sending", claimedAt: new Date(now), attempts: sql`${webhookDeliveries.attempts} + 1` })
    .where(
      and(
        eq(webhookDeliveries.id, deliveryId),
        claimable(now),
        sql`EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = ${webhookDeliveries.endpointId} AND e.status = 'active')`,
      ),
    )
    .returning();
  if (!claimed) return null;
  const endpoint = await ctx.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, claimed.endpointId)).get();
  if (!endpoint) return null;
  let result: AttemptResult;
  try {
    result = await attempt(ctx, endpoint, claimed);
  } catch (err) {
    // Our own trouble (the secret does not open, say): recorded like a failed attempt, so it is visible.
    result = { delivered: false, status: null, excerpt: null, error: `Not sent: ${err instanceof Error ? err.message : String(err)}` };
  }
  await settle(ctx, endpoint, claimed, result, (ctx.now ?? Date.now)());
  return result;
}

async function settle(ctx: DeliveryContext, endpoint: WebhookEndpoint, delivery: WebhookDelivery, result: AttemptResult, now: number): Promise<void> {
  const { db } = ctx;
  const ours = and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, "sending"), eq(webhookDeliveries.claimedAt, delivery.claimedAt!));
  const seen = { lastStatus: result.status, lastResponse: result.excerpt, lastError: result.error, claimedAt: null };
  if (result.delivered) {
    await db.batch([
      db.update(webhookDeliveries).set({ ...seen, status: "delivered", deliveredAt: new Date(now), nextAttemptAt: null }).where(ours),
      db.update(webhookEndpoints).set({ failingSince: null, lastSuccessAt: new Date(now) }).where(eq(webhookEndpoints.id, endpoint.id)),
    ]);
    return;
  }
  const nextAt = now + backoff(delivery.attempts);
  const givingUp = nextAt - delivery.createdAt.getTime() > GIVE_UP_AFTER_MS;
  await db.batch([
    db
      .update(webhookDeliveries)
      .set(givingUp ? { ...seen, status: "failed", nextAttemptAt: null, lastError: `${result.error}; gave up after ${delivery.attempts} attempts over 3 days` } : { ...seen, status: "pending", nextAttemptAt: new Date(nextAt) })
      .where(ours),
    db
      .update(webhookEndpoints)
      .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now})` })
      .where(eq(webhookEndpoints.id, endpoint.id)),
  ]);
  const since = endpoint.failingSince?.getTime() ?? now;
  if (now - since >= DISABLE_AFTER_MS) await disableEndpoint(db, endpoint.workspaceId, endpoint.id, now, `No successful delivery for 3 days (last: ${result.error})`);
}

/**
 * Disables an endpoint (when it has failed for 3 days, or by hand), cancels its waiting deliveries,
 * and, for an automatic disabling, tells the workspace's owners and admins in the app. Returns
 * whether it was active until now.
 */
export async function disableEndpoint(db: Db, workspaceId: string, endpointId: string, now: number, reason: string, options: { notify?: boolean } = {}): Promise<boolean> {
  const notify = options.notify ?? true;
  const text = `Webhook endpoint disabled: ${reason}. Fix the receiver, then enable it again under Settings → Webhooks.`;
  const [changed] = await db.batch([
    db
      .update(webhookEndpoints)
      .set({ status: "disabled", disabledAt: new Date(now), disabledReason: reason })
      .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.workspaceId, workspaceId), eq(webhookEndpoints.status, "active")))
      .returning({ url: webhookEndpoints.url }),
    // Only if the UPDATE above disabled it (changes() is the previous statement's count).
    ...(notify
      ? [
          db.insert(notifications).select(
            sql`SELECT NULL, ${workspaceId}, m.user_id, 'webhook_disabled', NULL, NULL, ${text}, NULL, ${now}
              FROM memberships m WHERE m.workspace_id = ${workspaceId} AND m.role IN ('owner', 'admin') AND changes() > 0`,
          ),
        ]
      : []),
    db
      .update(webhookDeliveries)
      .set({ status: "cancelled", nextAttemptAt: null, lastError: sql`coalesce(${webhookDeliveries.lastError} || '; ', '') || 'cancelled: the endpoint was disabled'` })
      .where(
        and(
          eq(webhookDeliveries.endpointId, endpointId),
          eq(webhookDeliveries.status, "pending"),
          sql`EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = ${endpointId} AND e.status = 'disabled')`,
        ),
      ),
  ]);
  return changed.length > 0;
}

/**
 * The publisher's minute cron: disables endpoints failing for 3 days (even with nothing left to
 * retry), then sends the deliveries that are due, a few at a time. Returns how many it sent.
 */
export async function sweepWebhooks(ctx: DeliveryContext): Promise<{ sent: number; disabled: number }> {
  const now = (ctx.now ?? Date.now)();
  const failing = await ctx.db
    .select({ id: webhookEndpoints.id, workspaceId: webhookEndpoints.workspaceId })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.status, "active"), lte(webhookEndpoints.failingSince, new Date(now - DISABLE_AFTER_MS))))
    .all();
  let disabled = 0;
  for (const e of failing) if (await disableEndpoint(ctx.db, e.workspaceId, e.id, now, "No successful delivery for 3 days")) disabled++;
  const due = await ctx.db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(claimable(now), sql`EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = ${webhookDeliveries.endpointId} AND e.status = 'active')`))
    .orderBy(asc(webhookDeliveries.nextAttemptAt))
    .limit(SWEEP_LIMIT)
    .all();
  let sent = 0;
  const queue = due.map((d) => d.id);
  await Promise.all(
    Array.from({ length: Math.min(SWEEP_CONCURRENCY, queue.length) }, async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        try {
          if (await deliverWebhook(ctx, id)) sent++;
        } catch (err) {
          log.error("webhook_delivery_error", { deliveryId: id, error: err });
        }
      }
    }),
  );
  return { sent, disabled };
}
