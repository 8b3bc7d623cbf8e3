/**
 * The `email` queue consumer: CSV import chunks and send batches. A message that fails is retried
 * by the queue (and ends in email-dlq after max_retries); progress lives in D1, so a retry or a
 * redelivery picks up exactly where the last committed step left off.
 */
import { config } from "../../../lib/config/env";
import { database } from "../../../lib/db/client";
import { log } from "../../../lib/log";
import { emailMessage, stamped, withMessageContext, type EmailMessage } from "../../../lib/queues/messages";
import { processImportChunk } from "./import";
import { processSend } from "./send";

export function isEmailMessage(body: unknown): body is EmailMessage {
  return emailMessage.safeParse(body).success;
}

export async function handleEmailMessage(env: Env, body: EmailMessage): Promise<void> {
  const db = database(env.DB);
  if (body.type === "email.import") {
    if (await processImportChunk(db, env.MEDIA, body.importId)) await env.EMAIL_QUEUE.send(stamped(body));
    return;
  }
  await processSend({ db, env, secret: config(env).SESSION_SECRET, queue: env.EMAIL_QUEUE }, body.sendId);
}

/** Settles each email message on its own: one failure retries that message only. */
export async function consumeEmail(batch: MessageBatch<unknown>, env: Env): Promise<MessageBatch<unknown>> {
  const rest: Message<unknown>[] = [];
  for (const message of batch.messages) {
    if (!isEmailMessage(message.body)) {
      rest.push(message);
      continue;
    }
    const body = message.body;
    // In the context of the request that queued the message: the next batches it queues keep the id.
    await withMessageContext(message, async () => {
      try {
        await handleEmailMessage(env, body);
        message.ack();
      } catch (error) {
        log.error("email_message_failed", { queue: batch.queue, id: message.id, error });
        message.retry({ delaySeconds: Math.min(300, 10 * 2 ** message.attempts) });
      }
    });
  }
  // Health pings and anything unknown: the Worker's default settling (lib/queues/messages.ts).
  return { queue: batch.queue, metadata: batch.metadata, messages: rest, ackAll: () => rest.forEach((m) => m.ack()), retryAll: (options) => rest.forEach((m) => m.retry(options)) };
}
