import { and, asc, eq, inArray, lte } from "drizzle-orm";
import { database } from "../../../lib/db/client";
import { sources } from "../../../lib/db/schema";
import type { ScrapeMessage } from "../../../lib/queues/messages";

/** Sources due now go on the `scrape` queue, at most this many per cron tick. */
const BATCH = 100;

/**
 * Puts every due source on the queue and moves its next run a full interval out, so the next tick
 * does not enqueue it again while it waits; the run itself sets the real next time (or a backoff).
 */
export async function enqueueDue(env: Env, now = Date.now()): Promise<number> {
  const db = database(env.DB);
  const due = await db
    .select({ id: sources.id, intervalMinutes: sources.intervalMinutes })
    .from(sources)
    .where(and(eq(sources.paused, false), lte(sources.nextRunAt, new Date(now))))
    .orderBy(asc(sources.nextRunAt))
    .limit(BATCH)
    .all();
  if (due.length === 0) return 0;
  for (const minutes of new Set(due.map((d) => d.intervalMinutes))) {
    const ids = due.filter((d) => d.intervalMinutes === minutes).map((d) => d.id);
    await db.update(sources).set({ nextRunAt: new Date(now + minutes * 60_000) }).where(inArray(sources.id, ids));
  }
  await env.SCRAPE_QUEUE.sendBatch(due.map((d) => ({ body: { type: "scrape", sourceId: d.id } satisfies ScrapeMessage })));
  return due.length;
}
