/**
 * The publisher Worker: consumers of the `publish` and `email` queues and the every-minute sweep
 * (issues 6 and 7). Today it answers health pings on its queues.
 */
import { settleUnhandled } from "../../lib/queues/messages";

export default {
  async queue(batch) {
    settleUnhandled(batch);
  },
} satisfies ExportedHandler<Env>;
