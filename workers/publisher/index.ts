/**
 * The publisher Worker: consumers of the `publish` (arming schedulers, metrics refreshes), `email`
 * and `webhooks` queues, and the every-minute cron (issues 6, 7 and 8). Publishing itself happens in
 * each account's AccountScheduler Durable Object, at the due instant.
 */
import { AccountScheduler } from "../../durable-objects/account-scheduler";
import { RateLimiter } from "../../durable-objects/rate-limiter";
import { log, newRequestId, setWorkerName, withRequestContext } from "../../lib/log";
import { metricsRefreshMessage, publishMessage, settleUnhandled, withMessageContext } from "../../lib/queues/messages";
import { consumeEmail } from "./email/consumer";
import { pullMetrics } from "./metrics/pull";
import { sweepSends } from "./email/sweep";
import { armPublication, sweep } from "./schedule";
import { refreshTokens } from "./tokens/refresh";
import { consumeWebhooks } from "./webhooks/consumer";
import { sweepOutgoingWebhooks } from "./webhooks/sweep";

export { AccountScheduler, RateLimiter };

setWorkerName("publisher");

async function consumePublish(batch: MessageBatch<unknown>, env: Env): Promise<MessageBatch<unknown>> {
  const rest: Message<unknown>[] = [];
  await Promise.all(
    batch.messages.map(async (message) => {
      const refresh = metricsRefreshMessage.safeParse(message.body);
      if (refresh.success) {
        // Within the pull's usual caps per run and per account; what is left waits for the cron.
        return withMessageContext(message, async () => {
          try {
            await pullMetrics(env, { workspaceId: refresh.data.workspaceId });
          } catch (err) {
            // The posts stay due: the minute cron pulls them.
            log.error("metrics_refresh_failed", { workspaceId: refresh.data.workspaceId, error: err });
          }
          message.ack();
        });
      }
      const parsed = publishMessage.safeParse(message.body);
      if (!parsed.success) return rest.push(message);
      await withMessageContext(message, async () => {
        try {
          await armPublication(env, parsed.data.publicationId);
          message.ack();
        } catch (err) {
          log.error("arm_failed", { publicationId: parsed.data.publicationId, error: err });
          message.retry({ delaySeconds: 10 });
        }
      });
    }),
  );
  return { ...batch, messages: rest };
}

export default {
  async queue(batch, env) {
    if (batch.queue === "webhooks") return settleUnhandled(await consumeWebhooks(batch, env));
    settleUnhandled(batch.queue === "email" ? await consumeEmail(batch, env) : batch.queue === "publish" ? await consumePublish(batch, env) : batch);
  },
  async scheduled(controller, env) {
    // Publications, and newsletter sends that are due or lost their queue message (email/sweep.ts);
    // OAuth sign-ins renewed before they die (tokens/refresh.ts); published posts' engagement on its
    // decaying schedule (metrics/pull.ts).
    // One request id per run, in every line it logs and every message it queues.
    await withRequestContext(newRequestId(), () => Promise.all([sweep(env), sweepSends(env), refreshTokens(env, controller.scheduledTime), pullMetrics(env), sweepOutgoingWebhooks(env)]));
  },
} satisfies ExportedHandler<Env>;
