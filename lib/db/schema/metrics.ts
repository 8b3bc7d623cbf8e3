/**
 * Engagement pulled from the platforms (issue 8): one row per pull of one publication's figures, as
 * the platform reported them at that instant. A figure the platform does not give (Bluesky has no
 * impressions or clicks) is null, never 0. When the next pull is due lives on the publication
 * (`publications.metrics_due_at`, workers/publisher/metrics/schedule.ts).
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { workspaces } from "./accounts";
import { publications } from "./publishing";

export const postMetrics = sqliteTable(
  "post_metrics",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    publicationId: text("publication_id")
      .notNull()
      .references(() => publications.id, { onDelete: "cascade" }),
    pulledAt: integer("pulled_at", { mode: "timestamp_ms" }).notNull(),
    /** Impressions or views. */
    impressions: integer("impressions"),
    likes: integer("likes"),
    /** Comments or replies. */
    comments: integer("comments"),
    /** Shares, reposts (and quotes). */
    shares: integer("shares"),
    clicks: integer("clicks"),
  },
  (t) => [index("post_metrics_publication_idx").on(t.publicationId, t.pulledAt), index("post_metrics_workspace_idx").on(t.workspaceId, t.pulledAt)],
);

export type PostMetricsRow = typeof postMetrics.$inferSelect;
