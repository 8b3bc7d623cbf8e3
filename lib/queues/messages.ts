import { z } from "zod";

/**
 * Every queue carries `{ type, ... }` messages. `health` messages are sent by GET /healthz to prove a
 * queue binding accepts work; consumers acknowledge them and do nothing else.
 */
export const healthPing = z.object({ type: z.literal("health"), sentAt: z.number() });

/** Run one source now (scraper Worker). */
export const scrapeMessage = z.object({ type: z.literal("scrape"), sourceId: z.string() });
export type ScrapeMessage = z.infer<typeof scrapeMessage>;

/** The `email` queue (publisher Worker): one chunk of a CSV import, or the next batches of a send. */
export const emailMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("email.import"), importId: z.string() }),
  z.object({ type: z.literal("email.send"), sendId: z.string() }),
]);
export type EmailMessage = z.infer<typeof emailMessage>;

/** Run one generation job (api Worker's generate consumer); the job row holds everything else. */
export const generateMessage = z.object({ type: z.literal("generate"), jobId: z.string() });
export type GenerateMessage = z.infer<typeof generateMessage>;

/** A publication was scheduled or moved: the publisher arms its account's scheduler. */
export const publishMessage = z.object({ type: z.literal("publication.arm"), publicationId: z.string() });
export type PublishMessage = z.infer<typeof publishMessage>;

export const QUEUES = ["SCRAPE_QUEUE", "GENERATE_QUEUE", "PUBLISH_QUEUE", "EMAIL_QUEUE"] as const;

/**
 * Acknowledges health pings. Any other message has no handler in this Worker yet: it is retried, not
 * dropped, so it ends in the queue's dead-letter queue where it can be inspected and replayed.
 */
export function settleUnhandled(batch: MessageBatch<unknown>): void {
  for (const message of batch.messages) {
    if (healthPing.safeParse(message.body).success) {
      message.ack();
    } else {
      console.error(JSON.stringify({ level: "error", queue: batch.queue, event: "no_handler", id: message.id }));
      message.retry();
    }
  }
}
