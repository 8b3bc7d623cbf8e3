/**
 * Emitting an event: one `pending` delivery per active endpoint of the workspace that subscribes to
 * its type, written by a single INSERT … SELECT, then a `webhook.deliver` message per delivery for
 * the publisher's consumer. A lost message costs only latency: the publisher's minute sweep sends
 * any delivery that is due (deliver.ts).
 *
 * Emitting follows the caller's own change and never undoes it: any error here is logged and
 * swallowed, because a receiver's trouble (or ours) must not turn "approved" into a 500.
 */
import { env as workerEnv } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { newId } from "../ids";
import { log } from "../log";
import { stamped, type WebhookMessage } from "../queues/messages";
import type { WebhookEventType } from "./events";

export type EmitOptions = {
  /** Where delivery messages go; the Worker's own WEBHOOKS_QUEUE binding unless given. */
  queue?: Queue | null;
  now?: number;
};

export type WebhookPayload = { id: string; type: string; timestamp: string; data: Record<string, unknown> };

export function payloadOf(eventId: string, type: string, data: Record<string, unknown>, now: number): string {
  return JSON.stringify({ id: eventId, type, timestamp: new Date(now).toISOString(), data } satisfies WebhookPayload);
}

const boundQueue = (): Queue | null => (workerEnv as { WEBHOOKS_QUEUE?: Queue } | undefined)?.WEBHOOKS_QUEUE ?? null;

/** Tells the consumer about new deliveries; best effort (the sweep is the fallback). */
export async function enqueueDeliveries(queue: Queue | null | undefined, deliveryIds: string[]): Promise<void> {
  if (!queue || deliveryIds.length === 0) return;
  try {
    await queue.sendBatch(deliveryIds.map((deliveryId) => ({ body: stamped({ type: "webhook.deliver", deliveryId } satisfies WebhookMessage) })));
  } catch (err) {
    log.error("webhook_enqueue_failed", { count: deliveryIds.length, error: err });
  }
}

/** Returns the ids of the deliveries written (none when no endpoint listens, or on error). */
export async function emitWebhookEvent(db: Db, workspaceId: string, type: WebhookEventType, data: Record<string, unknown>, options: EmitOptions = {}): Promise<string[]> {
  const now = options.now ?? Date.now();
  const eventId = newId("evt");
  try {
    const rows = await db.all<{ id: string }>(sql`
      INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event_id, event_type, payload, status, next_attempt_at, created_at)
      SELECT 'msg_' || lower(hex(randomblob(16))), e.id, e.workspace_id, ${eventId}, ${type}, ${payloadOf(eventId, type, data, now)}, 'pending', ${now}, ${now}
      FROM webhook_endpoints e
      WHERE e.workspace_id = ${workspaceId} AND e.status = 'active'
        AND EXISTS (SELECT 1 FROM json_each(e.event_types) WHERE json_each.value = ${type})
      RETURNING id`);
    const ids = rows.map((r) => r.id);
    await enqueueDeliveries(options.queue === undefined ? boundQueue() : options.queue, ids);
    return ids;
  } catch (err) {
    log.error("webhook_emit_failed", { workspaceId, type, error: err });
    return [];
  }
}

/** `send.finished`, from the send's row once it is marked sent (workers/publisher/email/send.ts). */
export async function emitSendFinished(db: Db, sendId: string): Promise<void> {
  try {
    const send = await db.get<{ workspace_id: string; newsletter_id: string; subject: string; total: number; sent: number; failed: number; finished_at: number } | undefined>(
      sql`SELECT workspace_id, newsletter_id, subject, total, sent, failed, finished_at FROM email_sends WHERE id = ${sendId} AND status = 'sent'`,
    );
    if (!send) return;
    await emitWebhookEvent(db, send.workspace_id, "send.finished", {
      sendId,
      newsletterId: send.newsletter_id,
      subject: send.subject,
      total: send.total,
      sent: send.sent,
      failed: send.failed,
      finishedAt: new Date(send.finished_at).toISOString(),
    });
  } catch (err) {
    log.error("webhook_emit_failed", { type: "send.finished", sendId, error: err });
  }
}
