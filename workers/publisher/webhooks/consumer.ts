/**
 * The `webhooks` queue consumer: each message names one delivery to send now. The delivery row
 * holds everything (claim, attempts, the next retry), so a message is acknowledged once the attempt
 * is recorded, whatever the receiver said; retries come from the minute sweep (sweep.ts). Only our
 * own trouble (D1 unreachable) retries the message.
 */
import { deliverWebhook, deliveryContext } from "../../../lib/webhooks/deliver";
import { log } from "../../../lib/log";
import { webhookMessage, withMessageContext } from "../../../lib/queues/messages";

export async function consumeWebhooks(batch: MessageBatch<unknown>, env: Env): Promise<MessageBatch<unknown>> {
  const rest: Message<unknown>[] = [];
  const ctx = deliveryContext(env);
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = webhookMessage.safeParse(message.body);
      if (!parsed.success) return void rest.push(message);
      await withMessageContext(message, async () => {
        try {
          await deliverWebhook(ctx, parsed.data.deliveryId);
          message.ack();
        } catch (err) {
          log.error("webhook_delivery_error", { deliveryId: parsed.data.deliveryId, error: err });
          message.retry({ delaySeconds: 30 });
        }
      });
    }),
  );
  return { ...batch, messages: rest };
}
