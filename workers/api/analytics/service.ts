/**
 * What the analytics pages show, read from the rollups only (lib/db/schema/analytics.ts): a page view
 * reads one row per day and key of the range, the top posts through their engagement index, and never
 * post_metrics. Each query goes through a `Reader` that adds up D1's `rows_read`, which the page
 * reports in `X-D1-Rows-Read` (the analytics benchmark reads it; so can anyone tuning a query).
 */
import { is, SQL, sql } from "drizzle-orm";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { DAY_MS, dayOf, monthOf } from "../../../lib/analytics/rollup";
import type { Db } from "../../../lib/db/client";
import { can } from "../../../lib/domain/roles";
import { AppError, forbidden } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import { stamped } from "../../../lib/queues/messages";
import type { WorkspaceAccess } from "../types";

const dialect = new SQLiteSyncDialect();

/** Runs raw queries and counts the rows D1 read for them. */
export class Reader {
  rowsRead = 0;
  constructor(private readonly db: Db) {}
  async all<T>(query: SQL): Promise<T[]> {
    if (!is(query, SQL)) throw new Error("not a query");
    const { sql: text, params } = dialect.sqlToQuery(query);
    const result = await this.db.$client.prepare(text).bind(...params).all<T>();
    this.rowsRead += result.meta.rows_read ?? 0;
    return result.results;
  }
}

export const MAX_RANGE_DAYS = 366;
const PRESETS = ["7", "30", "90", "365"] as const;

const date = z.iso.date({ error: "must be a date (YYYY-MM-DD)" });
export const rangeQuery = z
  .object({
    range: z.enum(PRESETS, { error: `must be one of ${PRESETS.join(", ")} (days)` }).optional(),
    from: date.optional(),
    to: date.optional(),
  })
  .refine((q) => !q.from === !q.to, { message: "give both from and to, or neither", path: ["from"] });

/** Whole UTC days, both ends included. */
export type Range = { from: number; to: number; label: string };

export function parseRange(query: Record<string, string>, now = Date.now()): Range {
  const q = parseInput(rangeQuery, query);
  if (q.from && q.to) {
    const from = dayOf(Date.parse(`${q.from}T00:00:00Z`));
    const to = dayOf(Date.parse(`${q.to}T00:00:00Z`));
    if (to < from) throw parseRangeError("to", "must be on or after from");
    if (to - from + 1 > MAX_RANGE_DAYS) throw parseRangeError("to", `the range can span at most ${MAX_RANGE_DAYS} days`);
    return { from, to, label: `${q.from} – ${q.to}` };
  }
  const days = Number(q.range ?? "30");
  const to = dayOf(now);
  return { from: to - days + 1, to, label: `Last ${days} days` };
}

const parseRangeError = (field: string, message: string) => new AppError(422, "invalid_request", `${field}: ${message}`, { [field]: message });

export const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
export const daysOf = (range: Range) => Array.from({ length: range.to - range.from + 1 }, (_, i) => range.from + i);

/**
 * Charts over time show days up to three months and weeks beyond: a year of days is 365 points per
 * line, too many to read and to draw. `step` is the bucket in days; buckets start at `range.from`.
 */
export const stepOf = (range: Range) => (range.to - range.from + 1 > 92 ? 7 : 1);
export const bucketsOf = (range: Range) => daysOf(range).filter((day) => (day - range.from) % stepOf(range) === 0);
export const bucketOf = (range: Range, day: number) => Math.floor((day - range.from) / stepOf(range));

export type Totals = { posts: number; impressions: number; likes: number; comments: number; shares: number; clicks: number };
export const engagementsOf = (t: Totals) => t.likes + t.comments + t.shares + t.clicks;

const sums = sql`sum(posts) AS posts, sum(impressions) AS impressions, sum(likes) AS likes, sum(comments) AS comments, sum(shares) AS shares, sum(clicks) AS clicks`;

export type Series = { key: string; label: string; values: number[] };
export type Breakdown = Totals & { key: string; label: string };

export type OverTimeBy = "platform" | "account";

/** Engagements per bucket (day or week) for each platform (or account) in the range, zeros where nothing happened. */
export async function overTime(reader: Reader, workspaceId: string, range: Range, by: OverTimeBy, labels: Map<string, string>): Promise<Series[]> {
  const rows = await reader.all<{ day: number; key: string; engagements: number }>(
    sql`SELECT day, key, sum(likes + comments + shares + clicks) AS engagements FROM metric_daily
      WHERE workspace_id = ${workspaceId} AND dimension = ${by} AND day BETWEEN ${range.from} AND ${range.to} GROUP BY day, key`,
  );
  const byKey = new Map<string, number[]>();
  for (const r of rows) {
    const values = byKey.get(r.key) ?? new Array<number>(bucketsOf(range).length).fill(0);
    values[bucketOf(range, r.day)]! += r.engagements;
    byKey.set(r.key, values);
  }
  return [...byKey].map(([key, values]) => ({ key, label: labels.get(key) ?? key, values })).sort((a, b) => a.label.localeCompare(b.label));
}

/** Totals per key of a dimension over the range, most engaging first. */
export async function breakdown(reader: Reader, workspaceId: string, range: Range, dimension: "platform" | "account" | "kind" | "campaign" | "tag", labels: Map<string, string>, limit = 20): Promise<Breakdown[]> {
  const rows = await reader.all<Totals & { key: string }>(
    sql`SELECT key, ${sums} FROM metric_daily WHERE workspace_id = ${workspaceId} AND dimension = ${dimension} AND day BETWEEN ${range.from} AND ${range.to}
      GROUP BY key ORDER BY sum(likes + comments + shares + clicks) DESC, key LIMIT ${limit}`,
  );
  return rows.map((r) => ({ ...r, label: labels.get(r.key) ?? r.key }));
}

export type TopPost = { publicationId: string; contentId: string; title: string; platform: string; handle: string; url: string | null; publishedAt: number } & Omit<Totals, "posts"> & {
    impressionsKnown: boolean;
    engagements: number;
  };

/**
 * The most engaging posts published in the range. Each month of the range walks its part of the
 * (workspace, month, engagements) index from the top and stops at its tenth post in the range; the
 * best of those are the range's best. A year's view reads about 13 × 10 rows, not every post. (One
 * correlated subquery per month rather than a UNION: D1 caps the terms of a compound SELECT.)
 */
export async function topPosts(reader: Reader, workspaceId: string, range: Range, limit = 10): Promise<TopPost[]> {
  const months: number[] = [];
  for (let m = monthOf(range.from * DAY_MS); m <= monthOf(range.to * DAY_MS); m++) months.push(m);
  const rows = await reader.all<{ publication_id: string; content_id: string; title: string; platform: string; handle: string; url: string | null; published_at: number; impressions: number | null; likes: number; comments: number; shares: number; clicks: number; engagements: number }>(
    sql`SELECT t.publication_id, t.content_id, c.title, t.platform, a.handle, p.external_url AS url, t.published_at, t.impressions, t.likes, t.comments, t.shares, t.clicks, t.engagements
      FROM json_each(${JSON.stringify(months)}) m
      JOIN publication_totals t ON t.rowid IN (
        SELECT rowid FROM publication_totals INDEXED BY publication_totals_top_idx
        WHERE workspace_id = ${workspaceId} AND published_month = m.value AND published_at >= ${range.from * DAY_MS} AND published_at < ${(range.to + 1) * DAY_MS}
        ORDER BY engagements DESC LIMIT ${limit})
      JOIN content c ON c.id = t.content_id AND c.workspace_id = t.workspace_id
      JOIN social_accounts a ON a.id = t.account_id AND a.workspace_id = t.workspace_id
      JOIN publications p ON p.id = t.publication_id AND p.workspace_id = t.workspace_id
      ORDER BY t.engagements DESC LIMIT ${limit}`,
  );
  return rows.map((r) => ({
    publicationId: r.publication_id,
    contentId: r.content_id,
    title: r.title,
    platform: r.platform,
    handle: r.handle,
    url: r.url,
    publishedAt: r.published_at,
    impressions: r.impressions ?? 0,
    impressionsKnown: r.impressions !== null,
    likes: r.likes,
    comments: r.comments,
    shares: r.shares,
    clicks: r.clicks,
    engagements: r.engagements,
  }));
}

export type EmailDay = { day: number; delivered: number; opened: number; clicked: number; unsubscribed: number; bounced: number };
export const EMAIL_FIGURES = ["delivered", "opened", "clicked", "unsubscribed", "bounced"] as const;

export async function emailDays(reader: Reader, workspaceId: string, range: Range): Promise<EmailDay[]> {
  return reader.all<EmailDay>(
    sql`SELECT day, delivered, opened, clicked, unsubscribed, bounced FROM email_daily WHERE workspace_id = ${workspaceId} AND day BETWEEN ${range.from} AND ${range.to} ORDER BY day`,
  );
}

/** Names for ids: the workspace's accounts and campaigns (both small tables). */
export async function labelsOf(reader: Reader, workspaceId: string): Promise<{ accounts: Map<string, string>; campaigns: Map<string, string> }> {
  const [accounts, campaigns] = await Promise.all([
    reader.all<{ id: string; platform: string; handle: string }>(sql`SELECT id, platform, handle FROM social_accounts WHERE workspace_id = ${workspaceId}`),
    reader.all<{ id: string; name: string }>(sql`SELECT id, name FROM campaigns WHERE workspace_id = ${workspaceId}`),
  ]);
  return {
    accounts: new Map(accounts.map((a) => [a.id, `${a.handle} (${a.platform})`])),
    campaigns: new Map(campaigns.map((c) => [c.id, c.name])),
  };
}

export type Analytics = {
  range: Range;
  by: OverTimeBy;
  series: Series[];
  totals: Totals;
  platforms: Breakdown[];
  accounts: Breakdown[];
  kinds: Breakdown[];
  campaigns: Breakdown[];
  tags: Breakdown[];
  top: TopPost[];
  email: EmailDay[];
  rowsRead: number;
};

export function allowAnalytics(access: WorkspaceAccess): void {
  if (!can(access.role, "analytics.view")) throw forbidden();
}

/** Everything the analytics page shows, for one workspace and range. */
export async function analytics(db: Db, access: WorkspaceAccess, range: Range, by: OverTimeBy): Promise<Analytics> {
  allowAnalytics(access);
  const reader = new Reader(db);
  const ws = access.workspace.id;
  const labels = await labelsOf(reader, ws);
  const [series, platforms, accounts, kinds, campaigns, tags, top, email] = await Promise.all([
    overTime(reader, ws, range, by, by === "account" ? labels.accounts : new Map()),
    breakdown(reader, ws, range, "platform", new Map()),
    breakdown(reader, ws, range, "account", labels.accounts),
    breakdown(reader, ws, range, "kind", new Map()),
    breakdown(reader, ws, range, "campaign", labels.campaigns),
    breakdown(reader, ws, range, "tag", new Map()),
    topPosts(reader, ws, range),
    emailDays(reader, ws, range),
  ]);
  const totals = platforms.reduce<Totals>(
    (t, p) => ({ posts: t.posts + p.posts, impressions: t.impressions + p.impressions, likes: t.likes + p.likes, comments: t.comments + p.comments, shares: t.shares + p.shares, clicks: t.clicks + p.clicks }),
    { posts: 0, impressions: 0, likes: 0, comments: 0, shares: 0, clicks: 0 },
  );
  return { range, by, series, totals, platforms, accounts, kinds, campaigns, tags, top, email, rowsRead: reader.rowsRead };
}

/** A post whose figures are fresher than this is not asked again on a refresh. */
export const REFRESH_AFTER_MS = 10 * 60_000;
/** Posts older than this are past the metrics schedule (workers/publisher/metrics/schedule.ts). */
const PULL_HORIZON_MS = 60 * DAY_MS;

/**
 * "Refresh figures": the workspace's posts still on the pull schedule, not read in the last ten
 * minutes, become due now, and the publisher is asked to pull them at once (within its usual caps
 * per run and per account; the rest follow on the minute cron). Returns how many were made due.
 */
export async function refreshFigures(db: Db, queue: Queue, access: WorkspaceAccess, now = Date.now()): Promise<number> {
  if (!can(access.role, "content.edit")) throw forbidden();
  const ws = access.workspace.id;
  const result = await db.run(sql`UPDATE publications SET metrics_due_at = ${now}
    WHERE workspace_id = ${ws} AND status = 'published' AND external_id IS NOT NULL AND metrics_due_at IS NOT NULL AND metrics_due_at > ${now}
      AND published_at > ${now - PULL_HORIZON_MS}
      AND NOT EXISTS (SELECT 1 FROM publication_totals t WHERE t.publication_id = publications.id AND t.pulled_at > ${now - REFRESH_AFTER_MS})`);
  const due = result.meta.changes ?? 0;
  if (due > 0) await queue.send(stamped({ type: "metrics.refresh" as const, workspaceId: ws }));
  return due;
}
