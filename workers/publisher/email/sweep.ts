/**
 * The every-minute safety net for sends, as schedule.ts is for publications. A send moves only when
 * an `email.send` message runs it; a message lost between runs (a consumer killed by a deploy, a
 * local restart) would leave a scheduled send unsent, or a running one stalled, until someone
 * pressed Resume. The sweep puts a message back for every send that is due and not moving. An extra
 * message is harmless: a scheduled send starts once (a guarded update), and the claim protocol in
 * send.ts never gives one delivery to two runners.
 */
import { and, asc, eq, inArray, lt, lte, or, sql } from "drizzle-orm";
import { database } from "../../../lib/db/client";
import { emailSends } from "../../../lib/db/schema";
import { stamped, type EmailMessage } from "../../../lib/queues/messages";
import { BUDGET_MS, STALE_CLAIM_MS } from "./send";

/**
 * A running send without a sign of life for this long has lost its message: longer than a run
 * (BUDGET_MS) plus the wait for a stale claim (STALE_CLAIM_MS, itself a delayed message), with a
 * minute to spare.
 */
export const STALLED_MS = BUDGET_MS + STALE_CLAIM_MS + 60_000;
const PAGE = 100;

export async function sweepSends(env: Pick<Env, "DB" | "EMAIL_QUEUE">, now = Date.now()): Promise<string[]> {
  const db = database(env.DB);
  const lastSign = sql`COALESCE(${emailSends.heartbeatAt}, ${emailSends.startedAt}, ${emailSends.scheduledAt})`;
  // Paused, sent, cancelled and failed sends are left alone: only people move those.
  const rows = await db
    .select({ id: emailSends.id })
    .from(emailSends)
    .where(
      or(
        and(eq(emailSends.status, "scheduled"), lte(emailSends.scheduledAt, new Date(now))),
        and(inArray(emailSends.status, ["preparing", "sending"]), lt(lastSign, now - STALLED_MS)),
      ),
    )
    .orderBy(asc(emailSends.scheduledAt))
    .limit(PAGE)
    .all();
  if (rows.length > 0) await env.EMAIL_QUEUE.sendBatch(rows.map(({ id }) => ({ body: stamped({ type: "email.send", sendId: id } satisfies EmailMessage) })));
  return rows.map((r) => r.id);
}
