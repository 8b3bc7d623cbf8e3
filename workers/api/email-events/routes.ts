/**
 * The SendGrid Event Webhook, POST /api/webhooks/email/sendgrid/:workspaceId (JSON errors, like the API). The request must carry a
 * valid signature by the workspace's configured verification key over its timestamp and raw body;
 * events are deduplicated by sg_event_id within the workspace (SendGrid retries deliveries; several
 * workspaces may share one SendGrid account and each get its events), and each new one is
 * recorded. Bounces move the subscriber to bounced, spam reports to complained, unsubscribes to
 * unsubscribed, each onto the suppression list; opens and clicks mark the delivery.
 */
import { and, eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { Db } from "../../../lib/db/client";
import { emailEvents, emailSettings, subscribers } from "../../../lib/db/schema";
import { normalizeEmail, suppressionHash } from "../../../lib/email/address";
import { runBatch, type Statement } from "../../../lib/email/batch";
import { AppError, notFound } from "../../../lib/http/errors";
import { unsubscribeStatements } from "../subscribers/service";
import { countEngagement, countLeaving } from "../../../lib/analytics/email-daily";
import type { AppEnv } from "../types";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from "./signature";

const MAX_BODY = 5 * 1024 * 1024;

const event = z.looseObject({
  email: z.string(),
  timestamp: z.number(),
  event: z.string(),
  sg_event_id: z.string().min(1),
  type: z.string().optional(),
  delivery_id: z.string().optional(),
});
const events = z.array(z.unknown()).max(10_000);

type Event = z.infer<typeof event>;

export const emailEventRoutes = new Hono<AppEnv>();

emailEventRoutes.post("/api/webhooks/email/sendgrid/:workspaceId", async (c) => {
  const workspaceId = c.req.param("workspaceId");
  const settings = await c.var.db.select({ key: emailSettings.webhookPublicKey }).from(emailSettings).where(eq(emailSettings.workspaceId, workspaceId)).get();
  if (!settings?.key) throw notFound();
  const raw = new Uint8Array(await c.req.arrayBuffer());
  if (raw.byteLength > MAX_BODY) throw new AppError(413, "body_too_large", "The request body is larger than 5 MB.");
  const verdict = await verifySignature(settings.key, c.req.header(SIGNATURE_HEADER), c.req.header(TIMESTAMP_HEADER), raw);
  if (!verdict.ok) throw new AppError(403, "bad_signature", `Signature check failed: ${verdict.reason}.`);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new AppError(400, "malformed_json", "The body is not JSON.");
  }
  const list = events.safeParse(body);
  if (!list.success) throw new AppError(422, "invalid_request", "body: must be an array of events", { body: "must be an array of events" });
  // An event this code does not understand is skipped, not a reason to make SendGrid retry the rest.
  const parsed = list.data.map((e) => event.safeParse(e)).flatMap((r) => (r.success ? [r.data] : []));
  const recorded = await recordEvents(c.var.db, workspaceId, parsed);
  return c.json({ received: parsed.length, new: recorded }, 200);
});

async function recordEvents(db: Db, workspaceId: string, list: Event[]): Promise<number> {
  if (list.length === 0) return 0;
  const known = new Set(
    (await db.all<{ id: string }>(sql`SELECT event_id AS id FROM email_events WHERE provider = 'sendgrid' AND workspace_id = ${workspaceId} AND event_id IN (SELECT value FROM json_each(${JSON.stringify(list.map((e) => e.sg_event_id))}))`)).map((r) => r.id),
  );
  let fresh = 0;
  for (const e of list) {
    if (known.has(e.sg_event_id)) continue;
    known.add(e.sg_event_id);
    fresh++;
    const normalized = normalizeEmail(e.email);
    const hash = normalized ? await suppressionHash(workspaceId, normalized) : null;
    const at = new Date(e.timestamp * 1000);
    const subscriber = hash ? await db.select().from(subscribers).where(and(eq(subscribers.workspaceId, workspaceId), eq(subscribers.emailHash, hash))).get() : undefined;
    const insert = db.insert(emailEvents).values({ provider: "sendgrid", eventId: e.sg_event_id, workspaceId, deliveryId: e.delivery_id ?? null, type: e.event, emailHash: hash, occurredAt: at }).onConflictDoNothing();
    const effects: Statement[] = [];
    const outcome = e.event === "spamreport" ? "complained" : e.event === "bounce" && (e.type ?? "bounce") === "bounce" ? "bounced" : e.event === "unsubscribe" || e.event === "group_unsubscribe" ? "unsubscribed" : null;
    if (outcome && subscriber) {
      if (outcome !== "complained") effects.push(countLeaving(subscriber.id, workspaceId, outcome, at.getTime()));
      effects.push(...unsubscribeStatements(db, subscriber, outcome, { kind: outcome === "unsubscribed" ? "unsubscribe" : outcome === "bounced" ? "bounce" : "complaint", form: "SendGrid event" }));
    } else if (outcome && hash) {
      effects.push(sql`INSERT INTO suppressions (workspace_id, email_hash, reason, created_at) VALUES (${workspaceId}, ${hash}, ${outcome}, ${Date.now()}) ON CONFLICT DO NOTHING`);
    }
    if ((e.event === "open" || e.event === "click") && e.delivery_id) {
      const column = e.event === "open" ? sql`opened_at` : sql`clicked_at`;
      effects.push(countEngagement(e.delivery_id, e.event === "open" ? "opened" : "clicked", at.getTime(), workspaceId));
      effects.push(sql`UPDATE email_deliveries SET ${column} = COALESCE(${column}, ${at.getTime()}) WHERE id = ${e.delivery_id} AND workspace_id = ${workspaceId}`);
      if (subscriber) effects.push(db.update(subscribers).set({ lastEngagedAt: at }).where(eq(subscribers.id, subscriber.id)));
    }
    await runBatch(db, [insert, ...effects]);
  }
  return fresh;
}
