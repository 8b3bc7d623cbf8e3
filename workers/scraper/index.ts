/**
 * The scraper Worker: every five minutes its cron puts due sources on the `scrape` queue; the
 * consumer runs each one (workers/scraper/sources/run.ts), which records its own success or failure
 * on the source, so a message is retried only when the run itself could not finish.
 */
import { DomainPoliteness } from "../../durable-objects/domain-politeness";
import { log, newRequestId, setWorkerName, withRequestContext } from "../../lib/log";
import { healthPing, scrapeMessage, withMessageContext } from "../../lib/queues/messages";
import { countingStatements } from "../../lib/db/statements";
import { runSource } from "./sources/run";
import { enqueueDue } from "./sources/schedule";

export { DomainPoliteness };

setWorkerName("scraper");

export default {
  async queue(batch, env) {
    // Sources are independent and each domain's pace is kept by its DomainPoliteness object, so the
    // messages of a batch run side by side.
    await Promise.all(batch.messages.map((message) => withMessageContext(message, () => handle(message, env, batch.queue))));
  },
  async scheduled(controller, env) {
    // One id per cron run: the scrape messages it queues carry it to their runs.
    await withRequestContext(newRequestId(), () => enqueueDue(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;

async function handle(message: Message, env: Env, queue: string): Promise<void> {
  if (healthPing.safeParse(message.body).success) return message.ack();
  const parsed = scrapeMessage.safeParse(message.body);
  if (!parsed.success) {
    log.error("invalid_message", { queue, id: message.id, body: message.body });
    return message.ack();
  }
  const started = Date.now();
  const d1 = countingStatements(env.DB);
  try {
    const result = await runSource({ ...env, DB: d1.db }, parsed.data.sourceId);
    log.info("source_run", { sourceId: parsed.data.sourceId, ...result, ms: Date.now() - started, d1Statements: d1.count() });
    message.ack();
  } catch (err) {
    log.error("source_run_crashed", { sourceId: parsed.data.sourceId, error: err });
    message.retry({ delaySeconds: 60 });
  }
}
