/**
 * The scraper Worker. Its cron will put due sources on the `scrape` queue and its consumer will fetch
 * and process them (issue 4); today it answers health pings on its queue.
 */
import { DomainPoliteness } from "../../durable-objects/domain-politeness";
import { settleUnhandled } from "../../lib/queues/messages";

export { DomainPoliteness };

export default {
  async queue(batch) {
    settleUnhandled(batch);
  },
} satisfies ExportedHandler<Env>;
