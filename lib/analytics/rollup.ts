/**
 * Keeps the analytics rollups (lib/db/schema/analytics.ts) in step with post_metrics.
 *
 * Each reading of a publication's figures is turned, in the same D1 batch that stores it, into
 * - its publication_totals row (the latest figures), and
 * - what changed since the previous reading, added to that day's metric_daily row of every dimension
 *   the post is filed under (its platform, account, content kind, campaign and each tag); the post
 *   itself counts once, on the day it went out, when its first reading arrives.
 *
 * A figure the platform does not give (null) counts as 0 in the sums; impressions stay null in the
 * totals so an engagement rate is never computed from a figure nobody reported.
 *
 * `rebuildRollups` recomputes a workspace's rollups from post_metrics alone, with the same rules: the
 * incremental path is tested against it, the analytics benchmark seeds with it, and it repairs a
 * workspace if a rollup ever drifts (its SQL is also the backfill in migrations/0010_analytics.sql).
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { runBatch } from "../email/batch";
import type { PublicationTotals } from "../db/schema";

export const DAY_MS = 86_400_000;
/** The UTC day (days since 1970-01-01) of an instant. */
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

/** The UTC calendar month of an instant, as year × 12 + month − 1. */
export const monthOf = (ms: number): number => {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
};
const MONTH_SQL = (column: string) => sql.raw(`(CAST(strftime('%Y', ${column} / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ${column} / 1000, 'unixepoch') AS INTEGER) - 1)`);

/** At most this many of a post's tags are rolled up (a post with hundreds would cost a write each). */
export const MAX_TAGS = 20;

export type Figures = { impressions: number | null; likes: number | null; comments: number | null; shares: number | null; clicks: number | null };

/** What a publication is filed under, read once per pull run. */
export type Filing = {
  publicationId: string;
  workspaceId: string;
  accountId: string;
  platform: string;
  contentId: string;
  kind: string;
  campaignId: string | null;
  tags: string[];
  publishedAt: number;
};

type Previous = Pick<PublicationTotals, "impressions" | "likes" | "comments" | "shares" | "clicks"> | null;

const FIGURES = ["impressions", "likes", "comments", "shares", "clicks"] as const;

/** The dimension keys a post is filed under. */
export function keysOf(filing: Filing): { dimension: string; key: string }[] {
  const keys = [
    { dimension: "platform", key: filing.platform },
    { dimension: "account", key: filing.accountId },
    { dimension: "kind", key: filing.kind },
  ];
  if (filing.campaignId) keys.push({ dimension: "campaign", key: filing.campaignId });
  for (const tag of [...new Set(filing.tags)].slice(0, MAX_TAGS)) keys.push({ dimension: "tag", key: tag });
  return keys;
}

function addToDay(workspaceId: string, dimension: string, key: string, day: number, posts: number, delta: Record<(typeof FIGURES)[number], number>): SQL {
  return sql`INSERT INTO metric_daily (workspace_id, dimension, day, key, posts, impressions, likes, comments, shares, clicks)
    VALUES (${workspaceId}, ${dimension}, ${day}, ${key}, ${posts}, ${delta.impressions}, ${delta.likes}, ${delta.comments}, ${delta.shares}, ${delta.clicks})
    ON CONFLICT (workspace_id, dimension, day, key) DO UPDATE SET
      posts = posts + excluded.posts, impressions = impressions + excluded.impressions, likes = likes + excluded.likes,
      comments = comments + excluded.comments, shares = shares + excluded.shares, clicks = clicks + excluded.clicks`;
}

/** The statements that file one reading (to run in the batch that stores the reading). */
export function rollupStatements(filing: Filing, previous: Previous, figures: Figures, pulledAt: number): SQL[] {
  const delta = Object.fromEntries(FIGURES.map((f) => [f, (figures[f] ?? 0) - (previous?.[f] ?? 0)])) as Record<(typeof FIGURES)[number], number>;
  const first = previous === null;
  const readingDay = dayOf(pulledAt);
  const publishDay = dayOf(filing.publishedAt);
  const changed = FIGURES.some((f) => delta[f] !== 0);
  const statements: SQL[] = [];
  for (const { dimension, key } of keysOf(filing)) {
    const postsToday = first && publishDay === readingDay ? 1 : 0;
    if (changed || postsToday) statements.push(addToDay(filing.workspaceId, dimension, key, readingDay, postsToday, delta));
    if (first && publishDay !== readingDay) statements.push(addToDay(filing.workspaceId, dimension, key, publishDay, 1, { impressions: 0, likes: 0, comments: 0, shares: 0, clicks: 0 }));
  }
  const engagements = (figures.likes ?? 0) + (figures.comments ?? 0) + (figures.shares ?? 0) + (figures.clicks ?? 0);
  statements.push(sql`INSERT INTO publication_totals (publication_id, workspace_id, account_id, platform, content_id, kind, campaign_id, published_at, published_month, impressions, likes, comments, shares, clicks, engagements, pulled_at)
    VALUES (${filing.publicationId}, ${filing.workspaceId}, ${filing.accountId}, ${filing.platform}, ${filing.contentId}, ${filing.kind}, ${filing.campaignId}, ${filing.publishedAt}, ${monthOf(filing.publishedAt)},
      ${figures.impressions}, ${figures.likes ?? 0}, ${figures.comments ?? 0}, ${figures.shares ?? 0}, ${figures.clicks ?? 0}, ${engagements}, ${pulledAt})
    ON CONFLICT (publication_id) DO UPDATE SET impressions = excluded.impressions, likes = excluded.likes, comments = excluded.comments,
      shares = excluded.shares, clicks = excluded.clicks, engagements = excluded.engagements, pulled_at = excluded.pulled_at,
      kind = excluded.kind, campaign_id = excluded.campaign_id`);
  return statements;
}

/**
 * How each publication is filed, and its totals so far, for the given publications of a workspace.
 */
export async function filingsOf(db: Db, workspaceId: string, publicationIds: string[]): Promise<Map<string, { filing: Filing; previous: Previous }>> {
  if (!publicationIds.length) return new Map();
  const rows = await db.all<{
    id: string;
    account_id: string;
    platform: string;
    content_id: string;
    kind: string;
    campaign_id: string | null;
    tags: string | null;
    published_at: number | null;
    created_at: number;
    t_publication: string | null;
    impressions: number | null;
    likes: number | null;
    comments: number | null;
    shares: number | null;
    clicks: number | null;
  }>(sql`SELECT p.id, p.account_id, a.platform, p.content_id, c.kind, c.campaign_id, c.tags, p.published_at, p.created_at,
      t.publication_id AS t_publication, t.impressions, t.likes, t.comments, t.shares, t.clicks
    FROM publications p
    JOIN social_accounts a ON a.id = p.account_id AND a.workspace_id = p.workspace_id
    JOIN content c ON c.id = p.content_id AND c.workspace_id = p.workspace_id
    LEFT JOIN publication_totals t ON t.publication_id = p.id AND t.workspace_id = p.workspace_id
    WHERE p.workspace_id = ${workspaceId} AND p.id IN (SELECT value FROM json_each(${JSON.stringify(publicationIds)}))`);
  const out = new Map<string, { filing: Filing; previous: Previous }>();
  for (const r of rows) {
    let tags: string[] = [];
    try {
      const parsed: unknown = JSON.parse(r.tags ?? "[]");
      if (Array.isArray(parsed)) tags = parsed.filter((t): t is string => typeof t === "string");
    } catch {
      // A malformed tags column files the post under no tag rather than failing the pull.
    }
    out.set(r.id, {
      filing: { publicationId: r.id, workspaceId, accountId: r.account_id, platform: r.platform, contentId: r.content_id, kind: r.kind, campaignId: r.campaign_id, tags, publishedAt: r.published_at ?? r.created_at },
      previous: r.t_publication ? { impressions: r.impressions, likes: r.likes ?? 0, comments: r.comments ?? 0, shares: r.shares ?? 0, clicks: r.clicks ?? 0 } : null,
    });
  }
  return out;
}

/** Inlined, not bound: D1 binds JavaScript numbers as REAL, and the division must stay an integer one. */
const DAY = sql.raw(String(DAY_MS));

/** The dimension keys of every publication of a workspace, as SQL rows (publication_id, dimension, key). */
const filedUnder = (workspaceId: string) => sql`
  SELECT p.id AS publication_id, 'platform' AS dimension, a.platform AS key FROM publications p JOIN social_accounts a ON a.id = p.account_id WHERE p.workspace_id = ${workspaceId}
  UNION ALL SELECT p.id, 'account', p.account_id FROM publications p WHERE p.workspace_id = ${workspaceId}
  UNION ALL SELECT p.id, 'kind', c.kind FROM publications p JOIN content c ON c.id = p.content_id WHERE p.workspace_id = ${workspaceId}
  UNION ALL SELECT p.id, 'campaign', c.campaign_id FROM publications p JOIN content c ON c.id = p.content_id WHERE p.workspace_id = ${workspaceId} AND c.campaign_id IS NOT NULL
  UNION ALL SELECT p.id, 'tag', j.value FROM publications p JOIN content c ON c.id = p.content_id, json_each(c.tags) j
    WHERE p.workspace_id = ${workspaceId} AND j.type = 'text' AND j.key < ${MAX_TAGS}`;

/**
 * Recomputes a workspace's publication_totals and metric_daily from its post_metrics. One D1 batch
 * (a transaction): readers see the old rollups or the new ones, never half.
 */
export async function rebuildRollups(db: Db, workspaceId: string): Promise<void> {
  await runBatch(db, [
    sql`DELETE FROM metric_daily WHERE workspace_id = ${workspaceId}`,
    sql`DELETE FROM publication_totals WHERE workspace_id = ${workspaceId}`,
    // The latest reading of each publication (SQLite takes the other columns from the max() row).
    sql`INSERT INTO publication_totals (publication_id, workspace_id, account_id, platform, content_id, kind, campaign_id, published_at, published_month, impressions, likes, comments, shares, clicks, engagements, pulled_at)
      SELECT p.id, p.workspace_id, p.account_id, a.platform, p.content_id, c.kind, c.campaign_id, coalesce(p.published_at, p.created_at), ${MONTH_SQL("coalesce(p.published_at, p.created_at)")},
        m.impressions, coalesce(m.likes, 0), coalesce(m.comments, 0), coalesce(m.shares, 0), coalesce(m.clicks, 0),
        coalesce(m.likes, 0) + coalesce(m.comments, 0) + coalesce(m.shares, 0) + coalesce(m.clicks, 0), m.pulled_at
      FROM (SELECT publication_id, max(pulled_at) AS pulled_at, impressions, likes, comments, shares, clicks FROM post_metrics WHERE workspace_id = ${workspaceId} GROUP BY publication_id) m
      JOIN publications p ON p.id = m.publication_id AND p.workspace_id = ${workspaceId}
      JOIN social_accounts a ON a.id = p.account_id
      JOIN content c ON c.id = p.content_id`,
    // Each reading minus the one before it, summed per day and dimension key.
    sql`INSERT INTO metric_daily (workspace_id, dimension, day, key, posts, impressions, likes, comments, shares, clicks)
      SELECT ${workspaceId}, k.dimension, r.pulled_at / ${DAY}, k.key, 0, sum(r.di), sum(r.dl), sum(r.dc), sum(r.ds), sum(r.dk)
      FROM (
        SELECT publication_id, pulled_at,
          coalesce(impressions, 0) - coalesce(lag(impressions) OVER w, 0) AS di,
          coalesce(likes, 0) - coalesce(lag(likes) OVER w, 0) AS dl,
          coalesce(comments, 0) - coalesce(lag(comments) OVER w, 0) AS dc,
          coalesce(shares, 0) - coalesce(lag(shares) OVER w, 0) AS ds,
          coalesce(clicks, 0) - coalesce(lag(clicks) OVER w, 0) AS dk
        FROM post_metrics WHERE workspace_id = ${workspaceId}
        WINDOW w AS (PARTITION BY publication_id ORDER BY pulled_at, id)
      ) r
      JOIN (${filedUnder(workspaceId)}) k ON k.publication_id = r.publication_id
      GROUP BY k.dimension, r.pulled_at / ${DAY}, k.key`,
    // Each post once, on the day it went out.
    sql`INSERT INTO metric_daily (workspace_id, dimension, day, key, posts)
      SELECT ${workspaceId}, k.dimension, t.published_at / ${DAY}, k.key, count(*)
      FROM publication_totals t JOIN (${filedUnder(workspaceId)}) k ON k.publication_id = t.publication_id
      WHERE t.workspace_id = ${workspaceId}
      GROUP BY k.dimension, t.published_at / ${DAY}, k.key
      ON CONFLICT (workspace_id, dimension, day, key) DO UPDATE SET posts = posts + excluded.posts`,
  ]);
}
