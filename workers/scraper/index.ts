/**
 * The scraper Worker: every five minutes its cron puts due sources on the `scrape` queue; the
 * consumer runs each one (workers/scraper/sources/run.ts), which records its own success or failure
 * on the source, so a message is retried only when the run itself could not finish.
 */
import { DomainPoliteness } from "../../durable-objects/domain-politeness";
import { healthPing, scrapeMessage } from "../../lib/queues/messages";
import { runSource } from "./sources/run";
import { enqueueDue } from "./sources/schedule";

export { DomainPoliteness };

export default {
  async queue(batch, env) {
    for (const message of batch.messages) {
      if (healthPing.safeParse(message.body).success) {
        message.ack();
        continue;
      }
      const parsed = scrapeMessage.safeParse(message.body);
      if (!parsed.success) {
        console.error(JSON.stringify({ level: "error", queue: batch.queue, event: "invalid_message", id: message.id, body: message.body }));
        message.ack();
        continue;
      }
      try {
        const result = await runSource(env, parsed.data.sourceId);
        console.log(JSON.stringify({ level: "info", event: "source_run", sourceId: parsed.data.sourceId, ...result }));
        message.ack();
      } catch (err) {
        console.error(JSON.stringify({ level: "error", event: "source_run_crashed", sourceId: parsed.data.sourceId, error: String(err) }));
        message.retry({ delaySeconds: 60 });
      }
    }
  },
  async scheduled(controller, env) {
    await enqueueDue(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
