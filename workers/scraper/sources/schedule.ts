import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import { database } from "../../../lib/db/client";
import { sources } from "../../../lib/db/schema";
import { stamped, type ScrapeMessage } from "../../../lib/queues/messages";

/** Due sources are read and sent in pages of this size (the most one sendBatch call takes). */
const PAGE = 100;
/** At most this many sources leave per cron tick; the rest wait five minutes for the next. */
const MAX_PER_TICK = 2_000;

/**
 * Puts every due source on the queue and moves its next run a full interval out, so the next tick
 * does not enqueue it again while it waits; the run itself sets the real next time (or a backoff).
 * Claiming a page is one UPDATE … RETURNING, so two overlapping ticks never send the same source.
 */
export async function enqueueDue(env: Env, now = Date.now()): Promise<number> {
  const db = database(env.DB);
  let sent = 0;
  while (sent < MAX_PER_TICK) {
    const page = db
      .select({ id: sources.id })
      .from(sources)
      .where(and(eq(sources.paused, false), lte(sources.nextRunAt, new Date(now))))
      .orderBy(asc(sources.nextRunAt))
      .limit(PAGE);
    const due = await db
      .update(sources)
      .set({ nextRunAt: sql`${now} + ${sources.intervalMinutes} * 60000` })
      .where(inArray(sources.id, page))
      .returning({ id: sources.id })
      .all();
    if (due.length === 0) break;
    await env.SCRAPE_QUEUE.sendBatch(due.map((d) => ({ body: stamped({ type: "scrape", sourceId: d.id } satisfies ScrapeMessage) })));
    sent += due.length;
  }
  return sent;
}
