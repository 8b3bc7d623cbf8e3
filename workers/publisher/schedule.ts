/**
 * Getting publications into their account's AccountScheduler: when one is scheduled (a `publish`
 * queue message from the api Worker) and, every minute, a sweep that re-arms whatever is due in the
 * next ten minutes. Arming is an upsert, so the sweep repeating what a message did is harmless; it
 * covers a lost message, a deploy that reset an object, and runs that died mid-call.
 */
import { and, asc, eq, gt, inArray, lt, lte, or, sql } from "drizzle-orm";
import { database } from "../../lib/db/client";
import { publications } from "../../lib/db/schema";
import { CLAIM_LEASE_MS } from "./publish";

const SWEEP_AHEAD_MS = 10 * 60_000;
const SWEEP_PAGE = 500;

/** When the publication should next be tried: its time, or when the rate limit or backoff lets it go. */
const nextTry = sql<number>`max(${publications.scheduledAt}, coalesce(${publications.waitingUntil}, 0))`;

const scheduler = (env: Env, accountId: string) => env.ACCOUNT_SCHEDULER.get(env.ACCOUNT_SCHEDULER.idFromName(accountId));

export async function armPublication(env: Env, publicationId: string): Promise<boolean> {
  const row = await database(env.DB)
    .select({ id: publications.id, accountId: publications.accountId, at: nextTry })
    .from(publications)
    .where(and(eq(publications.id, publicationId), inArray(publications.status, ["scheduled", "waiting", "unknown"])))
    .get();
  if (!row) return false;
  await scheduler(env, row.accountId).arm(row.id, row.at);
  return true;
}

export async function sweep(env: Env, now = Date.now()): Promise<number> {
  const db = database(env.DB);
  let armed = 0;
  let after = "";
  // In pages by id, so a backlog after an outage is re-armed in one tick, not a thousand a minute.
  for (;;) {
    const rows = await db
      .select({ id: publications.id, accountId: publications.accountId, at: nextTry })
      .from(publications)
      .where(
        and(
          gt(publications.id, after),
          or(
            and(inArray(publications.status, ["scheduled", "waiting", "unknown"]), lte(nextTry, now + SWEEP_AHEAD_MS)),
            and(eq(publications.status, "publishing"), lt(publications.updatedAt, new Date(now - CLAIM_LEASE_MS))),
          ),
        ),
      )
      .orderBy(asc(publications.id))
      .limit(SWEEP_PAGE)
      .all();
    await Promise.all(rows.map((row) => scheduler(env, row.accountId).arm(row.id, row.at)));
    armed += rows.length;
    if (rows.length < SWEEP_PAGE) return armed;
    after = rows.at(-1)!.id;
  }
}
