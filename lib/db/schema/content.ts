/**
 * The content studio: content items and their per-platform variants, revisions, the workflow
 * timeline, comments and notifications, campaigns, templates, and the media library.
 * Status and platform values are checked by lib/domain (workflow.ts, platforms.ts) at the boundary.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users, workspaces } from "./accounts";
import { createdAt } from "./columns";

const workspaceId = () =>
  text("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" });

export const CONTENT_KINDS = ["article", "newsletter", "post"] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("campaigns_name_idx").on(t.workspaceId, t.name)],
);

/** A reusable structure: a body with `{{placeholders}}` and the platforms a post made from it targets. */
export const templates = sqliteTable(
  "templates",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    name: text("name").notNull(),
    kind: text("kind", { enum: CONTENT_KINDS }).notNull(),
    body: text("body").notNull(),
    platforms: text("platforms", { mode: "json" }).$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("templates_name_idx").on(t.workspaceId, t.name)],
);

export const content = sqliteTable(
  "content",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    kind: text("kind", { enum: CONTENT_KINDS }).notNull(),
    title: text("title").notNull(),
    /** Markdown; rendered to sanitized HTML on display (lib/content/markdown.ts). */
    body: text("body").notNull().default(""),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default([]),
    campaignId: text("campaign_id").references(() => campaigns.id, { onDelete: "set null" }),
    /** The brand voice generation applied (brand voices arrive with generation). */
    brandVoice: text("brand_voice"),
    /** A state of lib/domain/workflow.ts. */
    status: text("status").notNull().default("draft"),
    /** Increases by one on every save; a save naming an older version is refused with 409. */
    version: integer("version").notNull().default(1),
    authorId: text("author_id")
      .notNull()
      .references(() => users.id),
    /** When it is to be published: a UTC instant, and the IANA zone it was chosen in. */
    scheduledAt: integer("scheduled_at", { mode: "timestamp_ms" }),
    scheduledZone: text("scheduled_zone"),
    publishedAt: integer("published_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    updatedBy: text("updated_by").references(() => users.id),
  },
  (t) => [
    index("content_workspace_updated_idx").on(t.workspaceId, t.updatedAt, t.id),
    index("content_workspace_status_idx").on(t.workspaceId, t.status),
    index("content_workspace_scheduled_idx").on(t.workspaceId, t.scheduledAt),
  ],
);

export const contentVariants = sqliteTable(
  "content_variants",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    contentId: text("content_id")
      .notNull()
      .references(() => content.id, { onDelete: "cascade" }),
    /** A platform id of lib/domain/platforms.ts. */
    platform: text("platform").notNull(),
    text: text("text").notNull().default(""),
    /** YouTube needs a title besides the description. */
    title: text("title"),
    link: text("link"),
    /** The posts after the first, published as a chain of replies (platforms with threads only). */
    thread: text("thread", { mode: "json" }).$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("content_variants_platform_idx").on(t.contentId, t.platform)],
);

/** A full snapshot per save, so any two can be compared and any one restored. */
export const contentRevisions = sqliteTable(
  "content_revisions",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    contentId: text("content_id")
      .notNull()
      .references(() => content.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
    variants: text("variants", { mode: "json" }).$type<{ platform: string; text: string; title: string | null; link: string | null; mediaIds: string[]; thread?: string[] }[]>().notNull(),
    authorId: text("author_id").references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("content_revisions_version_idx").on(t.contentId, t.version)],
);

/** The item's timeline: workflow transitions (with their comment) and comments. */
export const contentEvents = sqliteTable(
  "content_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workspaceId: workspaceId(),
    contentId: text("content_id")
      .notNull()
      .references(() => content.id, { onDelete: "cascade" }),
    actorId: text("actor_id").references(() => users.id),
    /** `comment`, or a workflow action such as `submit` or `approve`. */
    kind: text("kind").notNull(),
    fromStatus: text("from_status"),
    toStatus: text("to_status"),
    body: text("body"),
    createdAt: createdAt(),
  },
  (t) => [index("content_events_content_idx").on(t.contentId, t.id)],
);

export const notifications = sqliteTable(
  "notifications",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workspaceId: workspaceId(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** `mention`, `review_requested`, `approved`, `changes_requested`. */
    kind: text("kind").notNull(),
    contentId: text("content_id").references(() => content.id, { onDelete: "cascade" }),
    actorId: text("actor_id").references(() => users.id),
    text: text("text").notNull(),
    readAt: integer("read_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
  },
  (t) => [index("notifications_user_idx").on(t.userId, t.workspaceId, t.id)],
);

export const MEDIA_KINDS = ["image", "gif", "video", "pdf"] as const;

export const media = sqliteTable(
  "media",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    /** `ws/<workspace>/<media id>`: the workspace in the key keeps tenants apart in R2 too. */
    r2Key: text("r2_key").notNull().unique(),
    filename: text("filename").notNull(),
    /** Sniffed from the bytes (lib/domain/media-types.ts), never taken from the name or the client. */
    mime: text("mime").notNull(),
    kind: text("kind", { enum: MEDIA_KINDS }).notNull(),
    size: integer("size").notNull(),
    width: integer("width"),
    height: integer("height"),
    /** Required before an image can be published. */
    altText: text("alt_text").notNull().default(""),
    /** `pending` while a multipart upload is in progress, `ready` once complete. */
    state: text("state", { enum: ["pending", "ready"] }).notNull().default("ready"),
    uploadedBy: text("uploaded_by").references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index("media_workspace_idx").on(t.workspaceId, t.createdAt)],
);

/** Which media a variant uses, in order; a media item in use here cannot be deleted. */
export const variantMedia = sqliteTable(
  "variant_media",
  {
    variantId: text("variant_id")
      .notNull()
      .references(() => contentVariants.id, { onDelete: "cascade" }),
    mediaId: text("media_id")
      .notNull()
      .references(() => media.id),
    workspaceId: workspaceId(),
    position: integer("position").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.variantId, t.mediaId] }), index("variant_media_media_idx").on(t.mediaId)],
);

export type Content = typeof content.$inferSelect;
export type ContentVariant = typeof contentVariants.$inferSelect;
export type ContentRevision = typeof contentRevisions.$inferSelect;
export type Media = typeof media.$inferSelect;
export type Campaign = typeof campaigns.$inferSelect;
export type Template = typeof templates.$inferSelect;
