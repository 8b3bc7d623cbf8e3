/**
 * The metrics pull, from the publisher's minute cron: the published posts whose figures are due
 * (`publications.metrics_due_at`) are read from their platforms through each connector's `metrics`,
 * one `post_metrics` row per pull, and the next pull set on the decaying schedule (schedule.ts).
 *
 * Bounded per run: due posts are read in pages, oldest due first, at most `perRun` pulls in all and
 * at most `perAccount` per account (an account that reached its share is left out of the next pages,
 * so one account's backlog cannot starve the others). The pulls of one account run one after the
 * other, accounts side by side. Reads are not posts: they spend nothing of the account's posting
 * budget (RateLimiter), but a platform's 429 stops the account's pulls until the time it names.
 *
 * Failures: `rejected` (the platform no longer has the post) stops pulling it; `rate_limited`,
 * `auth`, `unavailable` and `unknown` write no row and back off, for that post and the account's
 * other posts of this run (the account's sign-in is the publisher's and token refresh's business:
 * an `auth` error flags nothing new here). Accounts marked expired or in error are not asked.
 *
 * A cron run that overlaps another cannot pull a post twice: the posts of an account are claimed
 * (their due time moved a lease ahead) in one conditional UPDATE before any call.
 */
import { and, asc, eq, gt, inArray, isNotNull, lte, notInArray, or, sql } from "drizzle-orm";
import { database, type Db } from "../../../lib/db/client";
import { log } from "../../../lib/log";
import { postMetrics, publications, socialAccounts } from "../../../lib/db/schema";
import { CONNECTORS } from "../connectors";
import { PlatformError, type PostMetrics } from "../connectors/types";
import { openAccountSession } from "../account-session";
import { backoffAt, nextPullAt } from "./schedule";
import { filingsOf, rollupStatements } from "../../../lib/analytics/rollup";
import { runBatch } from "../../../lib/email/batch";

export type PullOptions = {
  /** The clock (tests fix it). */
  now?: () => number;
  /** Due posts read per query. */
  pageSize?: number;
  /** Pulls per run in all. */
  perRun?: number;
  /** Pulls per account per run. */
  perAccount?: number;
  /** How long one platform call may take. */
  timeoutMs?: number;
  /** Only this workspace's posts (a refresh someone asked for). */
  workspaceId?: string;
};

export type PullReport = { pulled: number; backedOff: number; stopped: number };

const PAGE_SIZE = 50;
const PER_RUN = 100;
const PER_ACCOUNT = 10;
const MAX_PAGES = 10;
/** A claimed post not settled within this (its run died) is due again. */
const CLAIM_MS = 10 * 60_000;
/** A 429 without a time to come back. */
const RATE_LIMIT_WAIT_MS = 15 * 60_000;

type Due = {
  id: string;
  workspaceId: string;
  accountId: string;
  externalId: string | null;
  externalUrl: string | null;
  publishedAt: Date | null;
  dueAt: Date | null;
  lastReadingAt: number | null;
};

/** The latest reading of the publication, within its workspace (for the backoff). */
const lastReading = sql<number | null>`(SELECT max(${postMetrics.pulledAt}) FROM ${postMetrics} WHERE ${postMetrics.publicationId} = ${publications.id} AND ${postMetrics.workspaceId} = ${publications.workspaceId})`;

async function duePage(db: Db, now: number, limit: number, after: { dueAt: number; id: string } | null, leftOut: string[], workspaceId?: string): Promise<Due[]> {
  return db
    .select({
      id: publications.id,
      workspaceId: publications.workspaceId,
      accountId: publications.accountId,
      externalId: publications.externalId,
      externalUrl: publications.externalUrl,
      publishedAt: publications.publishedAt,
      dueAt: publications.metricsDueAt,
      lastReadingAt: lastReading,
    })
    .from(publications)
    // The account must belong to the publication's own workspace.
    .innerJoin(socialAccounts, and(eq(socialAccounts.id, publications.accountId), eq(socialAccounts.workspaceId, publications.workspaceId)))
    .where(
      and(
        lte(publications.metricsDueAt, new Date(now)),
        workspaceId ? eq(publications.workspaceId, workspaceId) : undefined,
        eq(publications.status, "published"),
        isNotNull(publications.externalId),
        inArray(socialAccounts.status, ["connected", "expiring"]),
        leftOut.length ? notInArray(publications.accountId, leftOut) : undefined,
        after ? or(gt(publications.metricsDueAt, new Date(after.dueAt)), and(eq(publications.metricsDueAt, new Date(after.dueAt)), gt(publications.id, after.id))) : undefined,
      ),
    )
    .orderBy(asc(publications.metricsDueAt), asc(publications.id))
    .limit(limit)
    .all();
}


const setDue = (db: Db, post: Due, at: number | null) =>
  db
    .update(publications)
    .set({ metricsDueAt: at === null ? null : new Date(at) })
    .where(and(eq(publications.id, post.id), eq(publications.workspaceId, post.workspaceId)));

/** Where a failed pull leaves the post: pulled no more, or tried again later. */
function afterFailure(error: PlatformError, post: Due, now: number): number | null {
  if (error.kind === "rejected") return null;
  const publishedAt = post.publishedAt?.getTime() ?? now;
  if (error.kind === "rate_limited") return Math.max(error.details.retryAt ?? now + RATE_LIMIT_WAIT_MS, now + 60_000);
  return backoffAt(publishedAt, post.lastReadingAt, now);
}

/** Pulls the given due posts of one account (all of one workspace), one after the other. */
async function pullAccount(env: Env, db: Db, posts: Due[], options: PullOptions, report: PullReport): Promise<void> {
  const now = options.now ?? Date.now;
  const { accountId, workspaceId } = posts[0]!;
  // Claim them: a run overlapping this one skips what this one took.
  const claimed = await db
    .update(publications)
    .set({ metricsDueAt: new Date(now() + CLAIM_MS) })
    .where(and(eq(publications.workspaceId, workspaceId), eq(publications.accountId, accountId), inArray(publications.id, posts.map((p) => p.id)), lte(publications.metricsDueAt, new Date(now()))))
    .returning({ id: publications.id });
  const mine = new Set(claimed.map((c) => c.id));
  const queue = posts.filter((p) => mine.has(p.id));
  if (!queue.length) return;
  let accountError: PlatformError | null = null;
  let account: Awaited<ReturnType<typeof openAccountSession>> = null;
  try {
    account = await openAccountSession(env, db, accountId, workspaceId, options.timeoutMs);
  } catch (err) {
    accountError = new PlatformError("unknown", `The account's credentials could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const connector = account ? CONNECTORS[account.platform] : undefined;
  // How each post is filed for the analytics rollups, and its totals so far.
  const filings = await filingsOf(db, workspaceId, queue.map((p) => p.id));
  for (const post of queue) {
    if (!accountError && (!account || !connector || !post.externalId)) {
      // Nothing to ask: the platform has no connector (or the post no id); stop pulling it.
      await setDue(db, post, null);
      report.stopped++;
      continue;
    }
    if (accountError) {
      // The account failed as a whole on an earlier post: this one waits too, without a call.
      await setDue(db, post, afterFailure(accountError, post, now()));
      report.backedOff++;
      continue;
    }
    let figures: PostMetrics;
    try {
      figures = await connector!.metrics(account!.session, { externalId: post.externalId!, url: post.externalUrl ?? "" });
    } catch (err) {
      const error = err instanceof PlatformError ? err : new PlatformError("unknown", `The pull stopped unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
      const next = afterFailure(error, post, now());
      await setDue(db, post, next);
      if (error.kind === "rejected") report.stopped++;
      else {
        report.backedOff++;
        // A limit, a refused sign-in or a platform that is down holds for the account's other posts.
        accountError = error;
      }
      log.warn("metrics_pull_failed", { publicationId: post.id, kind: error.kind, error: error.message, next });
      continue;
    }
    const pulledAt = now();
    const filed = filings.get(post.id);
    await runBatch(db, [
      db.insert(postMetrics).values({ workspaceId, publicationId: post.id, pulledAt: new Date(pulledAt), ...figures }),
      setDue(db, post, nextPullAt(post.publishedAt?.getTime() ?? pulledAt, pulledAt)),
      // The rollups move in the same transaction as the reading, so they never disagree with it.
      ...(filed ? rollupStatements(filed.filing, filed.previous, figures, pulledAt) : []),
    ]);
    report.pulled++;
  }
}

export async function pullMetrics(env: Env, options: PullOptions = {}): Promise<PullReport> {
  const db = database(env.DB);
  const now = options.now ?? Date.now;
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const perRun = options.perRun ?? PER_RUN;
  const perAccount = options.perAccount ?? PER_ACCOUNT;
  const started = now();
  const report: PullReport = { pulled: 0, backedOff: 0, stopped: 0 };
  const taken = new Map<string, number>();
  /** Accounts that reached their share of this run: left out of the next pages. */
  const leftOut: string[] = [];
  let budget = perRun;
  let after: { dueAt: number; id: string } | null = null;
  for (let page = 0; page < MAX_PAGES && budget > 0; page++) {
    const rows = await duePage(db, started, pageSize, after, leftOut, options.workspaceId);
    if (!rows.length) break;
    after = { dueAt: rows.at(-1)!.dueAt!.getTime(), id: rows.at(-1)!.id };
    const byAccount = new Map<string, Due[]>();
    for (const row of rows) {
      const count = taken.get(row.accountId) ?? 0;
      if (count >= perAccount || budget <= 0) continue;
      taken.set(row.accountId, count + 1);
      budget--;
      byAccount.set(row.accountId, [...(byAccount.get(row.accountId) ?? []), row]);
    }
    for (const [accountId, count] of taken) if (count >= perAccount && !leftOut.includes(accountId)) leftOut.push(accountId);
    await Promise.all(
      [...byAccount.values()].map((posts) =>
        pullAccount(env, db, posts, options, report).catch((err: unknown) =>
          log.error("metrics_pull_account_failed", { accountId: posts[0]!.accountId, error: err }),
        ),
      ),
    );
    if (rows.length < pageSize) break;
  }
  return report;
}
