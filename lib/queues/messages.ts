import { z } from "zod";
import { currentRequestId, log, newRequestId, saneRequestId, withRequestContext } from "../log";

/**
 * The id of the request (or message, or cron run) that caused a message, so the consumer's log lines
 * carry it too (lib/log.ts). Optional: messages sent before it existed, and by hand, have none.
 */
const requestId = z.string().optional();

/**
 * Every queue carries `{ type, ... }` messages. `health` messages are sent by GET /healthz to prove a
 * queue binding accepts work; consumers acknowledge them and do nothing else.
 */
export const healthPing = z.object({ type: z.literal("health"), sentAt: z.number() });

/** Run one source now (scraper Worker). */
export const scrapeMessage = z.object({ type: z.literal("scrape"), sourceId: z.string(), requestId });
export type ScrapeMessage = z.infer<typeof scrapeMessage>;

/** The `email` queue (publisher Worker): one chunk of a CSV import, or the next batches of a send. */
export const emailMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("email.import"), importId: z.string(), requestId }),
  z.object({ type: z.literal("email.send"), sendId: z.string(), requestId }),
]);
export type EmailMessage = z.infer<typeof emailMessage>;

/** Run one generation job (api Worker's generate consumer); the job row holds everything else. */
export const generateMessage = z.object({ type: z.literal("generate"), jobId: z.string(), requestId });
export type GenerateMessage = z.infer<typeof generateMessage>;

/** A publication was scheduled or moved: the publisher arms its account's scheduler. */
export const publishMessage = z.object({ type: z.literal("publication.arm"), publicationId: z.string(), requestId });
export type PublishMessage = z.infer<typeof publishMessage>;

/** Someone asked for fresh figures: the publisher pulls the workspace's due posts now (analytics). */
export const metricsRefreshMessage = z.object({ type: z.literal("metrics.refresh"), workspaceId: z.string(), requestId });
export type MetricsRefreshMessage = z.infer<typeof metricsRefreshMessage>;

/** Send one outgoing webhook delivery now (publisher Worker, workers/publisher/webhooks/). */
export const webhookMessage = z.object({ type: z.literal("webhook.deliver"), deliveryId: z.string(), requestId });
export type WebhookMessage = z.infer<typeof webhookMessage>;

export const QUEUES = ["SCRAPE_QUEUE", "GENERATE_QUEUE", "PUBLISH_QUEUE", "EMAIL_QUEUE", "WEBHOOKS_QUEUE"] as const;

/**
 * Acknowledges health pings. Any other message has no handler in this Worker yet: it is retried, not
 * dropped, so it ends in the queue's dead-letter queue where it can be inspected and replayed.
 */
export function settleUnhandled(batch: MessageBatch<unknown>): void {
  for (const message of batch.messages) {
    if (healthPing.safeParse(message.body).success) {
      message.ack();
    } else {
      log.error("no_handler", { queue: batch.queue, id: message.id });
      message.retry();
    }
  }
}

/** A message body with the current request id added (when there is one): use it for every send. */
export function stamped<T extends object>(body: T): T & { requestId?: string } {
  const id = currentRequestId();
  return id ? { ...body, requestId: id } : body;
}

/**
 * Runs a consumer's work on one message in the context of the request that sent it, or of a new id
 * when the message carries none (or one not fit for a log line).
 */
export function withMessageContext<T>(message: { body: unknown }, fn: () => T): T {
  const carried = typeof message.body === "object" && message.body !== null ? (message.body as { requestId?: unknown }).requestId : undefined;
  return withRequestContext(saneRequestId(carried) ?? newRequestId(), fn);
}
