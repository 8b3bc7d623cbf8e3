/**
 * From the publisher's minute cron: sends outgoing webhook deliveries that are due (retries, and
 * any whose queue message was lost) and disables endpoints that have failed for three days.
 */
import { log } from "../../../lib/log";
import { deliveryContext, sweepWebhooks } from "../../../lib/webhooks/deliver";

export async function sweepOutgoingWebhooks(env: Env, now?: number): Promise<void> {
  try {
    const ctx = deliveryContext(env);
    await sweepWebhooks(now === undefined ? ctx : { ...ctx, now: () => now });
  } catch (err) {
    // One failing sweep must not stop the cron's other work; the next minute tries again.
    log.error("webhook_sweep_failed", { error: err });
  }
}
