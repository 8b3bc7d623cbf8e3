/**
 * The operations figures of one workspace: the work waiting, failure rates and publish lag over the
 * last day, and metrics pulls backing off. Cloudflare Queues have no depth API a Worker can read, so
 * "waiting" is what D1 records as not done yet (jobs queued, sources due, publications due, deliveries
 * queued), which is also what the queues and sweeps will pick up. Every figure is scoped by the
 * workspace, one statement for the counts and a few for what needs arithmetic in code.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../../lib/db/client";
import { can } from "../../../lib/domain/roles";
import { forbidden } from "../../../lib/http/errors";
import { firstPullAt, nextPullAt } from "../../publisher/metrics/schedule";
import type { WorkspaceAccess } from "../types";

export const WINDOW_MS = 24 * 60 * 60_000;
/** A publication still `scheduled` this long after its time is overdue (the sweep runs every minute). */
export const OVERDUE_MS = 5 * 60_000;
/** How far a pull's due time may sit from its regular schedule before it counts as backing off. */
const SCHEDULE_SLACK_MS = 60_000;

/** failed / total; `rate` is null when nothing ran. */
export type Rate = { failed: number; total: number; rate: number | null };

/** Publish lag (published_at − scheduled_at) in ms, by nearest rank; null without publications. */
export type Lag = { count: number; p50: number | null; p95: number | null; p99: number | null; max: number | null };

export type OperationsFigures = {
  asOf: Date;
  windowHours: number;
  waiting: {
    generationQueued: number;
    generationRunning: number;
    sourcesDue: number;
    publicationsDue: number;
    publicationsOverdue: number;
    publicationsWaiting: number;
    publicationsInFlight: number;
    emailSendsDue: number;
    emailSendsRunning: number;
    emailDeliveriesQueued: number;
    webhookDeliveriesPending: number;
    webhookDeliveriesDue: number;
  };
  failures: { generationJobs: Rate; sourceRuns: Rate; publications: Rate; emailDeliveries: Rate };
  publishLag: Lag;
  metricsPulls: { scheduled: number; due: number; backingOff: number };
};

const rate = (failed: number, total: number): Rate => ({ failed, total, rate: total > 0 ? failed / total : null });

/** The nearest-rank percentile of ascending values: the smallest value with p% of them at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

type Counts = Record<
  | "gen_queued"
  | "gen_running"
  | "gen_total"
  | "gen_failed"
  | "src_due"
  | "src_total"
  | "src_failed"
  | "pub_due"
  | "pub_overdue"
  | "pub_waiting"
  | "pub_in_flight"
  | "pub_total"
  | "pub_failed"
  | "send_due"
  | "send_running"
  | "dlv_queued"
  | "dlv_total"
  | "dlv_failed",
  number | null
>;

function counts(db: Db, ws: string, now: number): Promise<Counts | undefined> {
  const since = now - WINDOW_MS;
  // Deliveries are reached through their sends (indexed by send and status), never by a scan.
  const recentSends = sql`SELECT id FROM email_sends WHERE workspace_id = ${ws} AND started_at IS NOT NULL AND (finished_at IS NULL OR finished_at >= ${since})`;
  return db.get<Counts>(sql`SELECT
    (SELECT COUNT(*) FROM generation_jobs WHERE workspace_id = ${ws} AND status = 'queued') AS gen_queued,
    (SELECT COUNT(*) FROM generation_jobs WHERE workspace_id = ${ws} AND status = 'running') AS gen_running,
    (SELECT COUNT(*) FROM generation_jobs WHERE workspace_id = ${ws} AND status IN ('done', 'failed') AND finished_at >= ${since}) AS gen_total,
    (SELECT COUNT(*) FROM generation_jobs WHERE workspace_id = ${ws} AND status = 'failed' AND finished_at >= ${since}) AS gen_failed,
    (SELECT COUNT(*) FROM sources WHERE workspace_id = ${ws} AND paused = 0 AND next_run_at <= ${now}) AS src_due,
    (SELECT COUNT(*) FROM sources WHERE workspace_id = ${ws} AND (last_success_at >= ${since} OR last_error_at >= ${since})) AS src_total,
    (SELECT COUNT(*) FROM sources WHERE workspace_id = ${ws} AND last_error_at >= ${since} AND (last_success_at IS NULL OR last_error_at > last_success_at)) AS src_failed,
    (SELECT COUNT(*) FROM publications WHERE workspace_id = ${ws} AND status = 'scheduled' AND scheduled_at <= ${now}) AS pub_due,
    (SELECT COUNT(*) FROM publications WHERE workspace_id = ${ws} AND status = 'scheduled' AND scheduled_at <= ${now - OVERDUE_MS}) AS pub_overdue,
    (SELECT COUNT(*) FROM publications WHERE workspace_id = ${ws} AND status = 'waiting') AS pub_waiting,
    (SELECT COUNT(*) FROM publications WHERE workspace_id = ${ws} AND status IN ('publishing', 'unknown')) AS pub_in_flight,
    (SELECT COUNT(*) FROM publications WHERE workspace_id = ${ws} AND ((status = 'published' AND published_at >= ${since}) OR (status = 'failed' AND updated_at >= ${since}))) AS pub_total,
    (SELECT COUNT(*) FROM publications WHERE workspace_id = ${ws} AND status = 'failed' AND updated_at >= ${since}) AS pub_failed,
    (SELECT COUNT(*) FROM email_sends WHERE workspace_id = ${ws} AND status = 'scheduled' AND scheduled_at <= ${now}) AS send_due,
    (SELECT COUNT(*) FROM email_sends WHERE workspace_id = ${ws} AND status IN ('preparing', 'sending')) AS send_running,
    (SELECT COUNT(*) FROM email_deliveries WHERE send_id IN (SELECT id FROM email_sends WHERE workspace_id = ${ws} AND status IN ('preparing', 'sending')) AND status = 'queued') AS dlv_queued,
    (SELECT COUNT(*) FROM email_deliveries WHERE send_id IN (${recentSends}) AND status IN ('sent', 'failed', 'unconfirmed') AND claimed_at >= ${since}) AS dlv_total,
    (SELECT COUNT(*) FROM email_deliveries WHERE send_id IN (${recentSends}) AND status IN ('failed', 'unconfirmed') AND claimed_at >= ${since}) AS dlv_failed`);
}

/** Publish lags of the last day, ascending; a post out a moment early counts as on time. */
async function lags(db: Db, ws: string, now: number): Promise<number[]> {
  const rows = await db.all<{ lag: number }>(
    sql`SELECT MAX(0, published_at - scheduled_at) AS lag FROM publications WHERE workspace_id = ${ws} AND status = 'published' AND published_at >= ${now - WINDOW_MS} ORDER BY lag`,
  );
  return rows.map((r) => Number(r.lag));
}

/**
 * Pulls are not logged as failures: a failed pull moves the post's next pull off its regular schedule
 * (workers/publisher/metrics: backoff, or the platform's rate-limit time). So a due time away from
 * where the schedule puts it, after the post's last reading, is a pull backing off.
 */
async function metricsPulls(db: Db, ws: string, now: number): Promise<OperationsFigures["metricsPulls"]> {
  const rows = await db.all<{ published_at: number | null; metrics_due_at: number; last_pulled_at: number | null }>(sql`
    SELECT p.published_at, p.metrics_due_at, (SELECT MAX(m.pulled_at) FROM post_metrics m WHERE m.publication_id = p.id) AS last_pulled_at
    FROM publications p
    WHERE p.workspace_id = ${ws} AND p.status = 'published' AND p.metrics_due_at IS NOT NULL`);
  let due = 0;
  let backingOff = 0;
  for (const row of rows) {
    const dueAt = Number(row.metrics_due_at);
    if (dueAt <= now) due++;
    if (row.published_at === null) continue;
    const publishedAt = Number(row.published_at);
    const regular = row.last_pulled_at === null ? firstPullAt(publishedAt) : nextPullAt(publishedAt, Number(row.last_pulled_at));
    if (regular === null || Math.abs(dueAt - regular) > SCHEDULE_SLACK_MS) backingOff++;
  }
  return { scheduled: rows.length, due, backingOff };
}

/** Outgoing webhook deliveries waiting (lib/webhooks): pending or being sent, and of those due now. */
async function webhookDeliveries(db: Db, ws: string, now: number): Promise<{ pending: number; due: number }> {
  const row = await db.get<{ pending: number; due: number }>(sql`SELECT
    COUNT(*) AS pending,
    COUNT(CASE WHEN status = 'pending' AND next_attempt_at <= ${now} THEN 1 END) AS due
    FROM webhook_deliveries WHERE workspace_id = ${ws} AND status IN ('pending', 'sending')`);
  return { pending: Number(row?.pending ?? 0), due: Number(row?.due ?? 0) };
}

export async function operationsFigures(db: Db, access: WorkspaceAccess, now = Date.now()): Promise<OperationsFigures> {
  if (!can(access.role, "operations.view")) throw forbidden();
  const ws = access.workspace.id;
  const [c, sortedLags, pulls, webhooks] = await Promise.all([counts(db, ws, now), lags(db, ws, now), metricsPulls(db, ws, now), webhookDeliveries(db, ws, now)]);
  const n = (key: keyof Counts) => Number(c?.[key] ?? 0);
  return {
    asOf: new Date(now),
    windowHours: WINDOW_MS / 3_600_000,
    waiting: {
      generationQueued: n("gen_queued"),
      generationRunning: n("gen_running"),
      sourcesDue: n("src_due"),
      publicationsDue: n("pub_due"),
      publicationsOverdue: n("pub_overdue"),
      publicationsWaiting: n("pub_waiting"),
      publicationsInFlight: n("pub_in_flight"),
      emailSendsDue: n("send_due"),
      emailSendsRunning: n("send_running"),
      emailDeliveriesQueued: n("dlv_queued"),
      webhookDeliveriesPending: webhooks.pending,
      webhookDeliveriesDue: webhooks.due,
    },
    failures: {
      generationJobs: rate(n("gen_failed"), n("gen_total")),
      sourceRuns: rate(n("src_failed"), n("src_total")),
      publications: rate(n("pub_failed"), n("pub_total")),
      emailDeliveries: rate(n("dlv_failed"), n("dlv_total")),
    },
    publishLag: {
      count: sortedLags.length,
      p50: percentile(sortedLags, 50),
      p95: percentile(sortedLags, 95),
      p99: percentile(sortedLags, 99),
      max: sortedLags.at(-1) ?? null,
    },
    metricsPulls: pulls,
  };
}
