/**
 * The publisher Worker: consumers of the `publish` and `email` queues, and the every-minute sweep
 * that re-arms the accounts' schedulers (issues 6 and 7). Publishing itself happens in each account's
 * AccountScheduler Durable Object, at the due instant.
 */
import { AccountScheduler } from "../../durable-objects/account-scheduler";
import { RateLimiter } from "../../durable-objects/rate-limiter";
import { publishMessage, settleUnhandled } from "../../lib/queues/messages";
import { consumeEmail } from "./email/consumer";
import { pullMetrics } from "./metrics/pull";
import { sweepSends } from "./email/sweep";
import { armPublication, sweep } from "./schedule";
import { refreshTokens } from "./tokens/refresh";

export { AccountScheduler, RateLimiter };

async function consumePublish(batch: MessageBatch<unknown>, env: Env): Promise<MessageBatch<unknown>> {
  const rest: Message<unknown>[] = [];
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = publishMessage.safeParse(message.body);
      if (!parsed.success) return rest.push(message);
      try {
        await armPublication(env, parsed.data.publicationId);
        message.ack();
      } catch (err) {
        console.error(JSON.stringify({ level: "error", event: "arm_failed", publicationId: parsed.data.publicationId, error: String(err) }));
        message.retry({ delaySeconds: 10 });
      }
    }),
  );
  return { ...batch, messages: rest };
}

export default {
  async queue(batch, env) {
    settleUnhandled(batch.queue === "email" ? await consumeEmail(batch, env) : batch.queue === "publish" ? await consumePublish(batch, env) : batch);
  },
  async scheduled(controller, env) {
    // Publications, and newsletter sends that are due or lost their queue message (email/sweep.ts);
    // OAuth sign-ins renewed before they die (tokens/refresh.ts); published posts' engagement on its
    // decaying schedule (metrics/pull.ts).
    await Promise.all([sweep(env), sweepSends(env), refreshTokens(env, controller.scheduledTime), pullMetrics(env)]);
  },
} satisfies ExportedHandler<Env>;
