/** Listening: sources on their own schedules, the items they bring, with their health. */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users, workspaces } from "./accounts";
import { createdAt } from "./columns";

export const SOURCE_KINDS = ["feed", "page", "sitemap", "reddit", "hackernews", "youtube", "google_trends"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const sources = sqliteTable(
  "sources",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: SOURCE_KINDS }).notNull(),
    name: text("name").notNull(),
    /** The feed, page or sitemap URL; for the other kinds, the API URL derived from `query`. */
    url: text("url").notNull(),
    /** Subreddit, Hacker News list, YouTube channel id, or Google Trends country, by kind. */
    query: text("query"),
    /** Render with Browser Rendering before extracting (pages that build themselves with JavaScript). */
    needsJs: integer("needs_js", { mode: "boolean" }).notNull().default(false),
    intervalMinutes: integer("interval_minutes").notNull().default(60),
    nextRunAt: integer("next_run_at", { mode: "timestamp_ms" }).notNull(),
    paused: integer("paused", { mode: "boolean" }).notNull().default(false),
    etag: text("etag"),
    lastModified: text("last_modified"),
    /** Consecutive failures; the next run backs off exponentially with them. */
    failures: integer("failures").notNull().default(0),
    lastSuccessAt: integer("last_success_at", { mode: "timestamp_ms" }),
    lastError: text("last_error"),
    lastErrorAt: integer("last_error_at", { mode: "timestamp_ms" }),
    itemsFound: integer("items_found").notNull().default(0),
    createdBy: text("created_by").references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index("sources_due_idx").on(t.paused, t.nextRunAt), index("sources_workspace_idx").on(t.workspaceId)],
);

export const sourceItems = sqliteTable(
  "source_items",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    sourceId: text("source_id")
      .notNull()
      .references(() => sources.id, { onDelete: "cascade" }),
    /** Without tracking parameters (workers/scraper/dedup/canonical.ts): exact duplicates collide here. */
    canonicalUrl: text("canonical_url").notNull(),
    url: text("url").notNull(),
    title: text("title").notNull(),
    author: text("author"),
    publishedAt: integer("published_at", { mode: "timestamp_ms" }),
    summary: text("summary"),
    /** Sanitized HTML of the item's content, when the source gave some. */
    contentHtml: text("content_html"),
    imageUrl: text("image_url"),
    /** 64-bit SimHash as 16 hex digits; near-duplicates share a story. */
    simhash: text("simhash").notNull(),
    /** The id of the first item of its story (itself when it is the first). */
    storyId: text("story_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("source_items_canonical_idx").on(t.workspaceId, t.canonicalUrl),
    index("source_items_workspace_created_idx").on(t.workspaceId, t.createdAt),
    index("source_items_source_idx").on(t.sourceId),
  ],
);

export type Source = typeof sources.$inferSelect;
export type SourceItem = typeof sourceItems.$inferSelect;
