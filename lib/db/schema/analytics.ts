/**
 * Pre-aggregated engagement (issue 8), so analytics pages read a few hundred rows, never the raw
 * post_metrics (a busy workspace has millions). Both tables are written by the metrics pull in the
 * same batch as each reading (workers/publisher/metrics/rollup.ts), and email figures as email events
 * happen (lib/analytics/email-daily.ts).
 *
 * - publication_totals: the latest figures of each publication, with what it is filed under (platform,
 *   account, content kind, campaign), so "top posts" and "best time to post" read one row per post.
 * - metric_daily: what each day added (the difference between a reading and the one before it),
 *   summed per dimension: `platform`, `account`, `kind`, `campaign`, `tag` (key: the platform name, the
 *   account/campaign id, the kind, the tag). Days are UTC days (days since 1970-01-01): a workspace's
 *   time zone can change, its history cannot be re-cut.
 * - email_daily: deliveries, unique opens, unique clicks, unsubscribes and bounces per UTC day.
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { workspaces } from "./accounts";
import { publications } from "./publishing";

const workspaceId = () =>
  text("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" });

export const publicationTotals = sqliteTable(
  "publication_totals",
  {
    publicationId: text("publication_id")
      .primaryKey()
      .references(() => publications.id, { onDelete: "cascade" }),
    workspaceId: workspaceId(),
    accountId: text("account_id").notNull(),
    platform: text("platform").notNull(),
    contentId: text("content_id").notNull(),
    kind: text("kind").notNull(),
    campaignId: text("campaign_id"),
    publishedAt: integer("published_at", { mode: "timestamp_ms" }).notNull(),
    /** The UTC calendar month it went out (year × 12 + month − 1): top posts are ranked month by month. */
    publishedMonth: integer("published_month").notNull(),
    /** Null while the platform gives no such figure. */
    impressions: integer("impressions"),
    likes: integer("likes").notNull().default(0),
    comments: integer("comments").notNull().default(0),
    shares: integer("shares").notNull().default(0),
    clicks: integer("clicks").notNull().default(0),
    /** likes + comments + shares + clicks: what "top" and "best time" rank by. */
    engagements: integer("engagements").notNull().default(0),
    pulledAt: integer("pulled_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // Top posts: each month of the range walked in engagement order, stopping at its first N in range.
    index("publication_totals_top_idx").on(t.workspaceId, t.publishedMonth, t.engagements),
    index("publication_totals_account_idx").on(t.workspaceId, t.accountId, t.publishedAt),
  ],
);

export const METRIC_DIMENSIONS = ["platform", "account", "kind", "campaign", "tag"] as const;
export type MetricDimension = (typeof METRIC_DIMENSIONS)[number];

export const metricDaily = sqliteTable(
  "metric_daily",
  {
    workspaceId: workspaceId(),
    dimension: text("dimension", { enum: METRIC_DIMENSIONS }).notNull(),
    day: integer("day").notNull(),
    key: text("key").notNull(),
    /** Publications that went out that day. */
    posts: integer("posts").notNull().default(0),
    impressions: integer("impressions").notNull().default(0),
    likes: integer("likes").notNull().default(0),
    comments: integer("comments").notNull().default(0),
    shares: integer("shares").notNull().default(0),
    clicks: integer("clicks").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.dimension, t.day, t.key] })],
);

export const emailDaily = sqliteTable(
  "email_daily",
  {
    workspaceId: workspaceId(),
    day: integer("day").notNull(),
    delivered: integer("delivered").notNull().default(0),
    opened: integer("opened").notNull().default(0),
    clicked: integer("clicked").notNull().default(0),
    unsubscribed: integer("unsubscribed").notNull().default(0),
    bounced: integer("bounced").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.day] })],
);

export type PublicationTotals = typeof publicationTotals.$inferSelect;
