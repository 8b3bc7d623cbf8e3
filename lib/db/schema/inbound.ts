/**
 * Webhooks in (issue 8): what the platforms (Meta for Facebook, Instagram and Threads; X) and a
 * workspace's own systems send us. Every event is stored once per source and workspace (a platform
 * retries a delivery until it gets a 2xx, so the same event arrives more than once); comments and
 * mentions become inbox items; a post deleted on its platform marks our publication deleted
 * (`publications.deleted_at`).
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users, workspaces } from "./accounts";
import { createdAt } from "./columns";
import { publications, socialAccounts } from "./publishing";

const workspaceId = () =>
  text("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" });

/** Where an event came from: a platform's webhook, or the workspace's generic endpoint. */
export const INBOUND_SOURCES = ["facebook", "instagram", "threads", "x", "generic"] as const;
export type InboundSource = (typeof INBOUND_SOURCES)[number];

/**
 * One received event, per workspace: an event about an account connected in two workspaces is
 * stored (and acted on) in each. The primary key is the deduplication: a repeated event id from the
 * same source in the same workspace is not stored again, nor acted on again. Platforms without an
 * event id of their own (Meta) get one derived from what the event is about (workers/api/webhooks-in).
 */
export const inboundEvents = sqliteTable(
  "inbound_events",
  {
    source: text("source", { enum: INBOUND_SOURCES }).notNull(),
    eventId: text("event_id").notNull(),
    workspaceId: workspaceId(),
    /** What happened, in our words: `comment`, `mention`, `post_deleted`, or the generic event's own type. */
    type: text("type").notNull(),
    /** The event as the sender described it (one change of a Meta delivery, one tweet of an X one). */
    payload: text("payload", { mode: "json" }).notNull(),
    receivedAt: integer("received_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.workspaceId, t.eventId] }), index("inbound_events_workspace_idx").on(t.workspaceId, t.receivedAt)],
);

export const INBOX_KINDS = ["comment", "mention"] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];

/** A comment on one of the workspace's posts, or a mention of one of its accounts, waiting for someone. */
export const inboxItems = sqliteTable(
  "inbox_items",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    /** The connected account it concerns; null for items sent through the generic endpoint. */
    accountId: text("account_id").references(() => socialAccounts.id, { onDelete: "cascade" }),
    /** A platform id of lib/domain/platforms.ts, or `other` (generic endpoint). */
    platform: text("platform").notNull(),
    kind: text("kind", { enum: INBOX_KINDS }).notNull(),
    /** The platform's id of the comment or post, so one comment is one item whatever delivered it. */
    externalId: text("external_id").notNull(),
    /** The publication commented on, when the comment is on one of ours. */
    publicationId: text("publication_id").references(() => publications.id, { onDelete: "set null" }),
    author: text("author").notNull(),
    text: text("text").notNull(),
    /** The comment or post on its platform, when the event gives (or lets us build) its address. */
    url: text("url"),
    occurredAt: integer("occurred_at", { mode: "timestamp_ms" }).notNull(),
    doneAt: integer("done_at", { mode: "timestamp_ms" }),
    doneBy: text("done_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("inbox_items_external_idx").on(t.workspaceId, t.platform, t.externalId), index("inbox_items_workspace_idx").on(t.workspaceId, t.doneAt, t.occurredAt)],
);

/**
 * The secret that signs requests to a workspace's generic inbound endpoint, sealed
 * (lib/crypto/sealed.ts, purpose `inbound-webhook`, the workspace id as associated data). Shown once
 * when created; rotating replaces it at once.
 */
export const inboundWebhookSecrets = sqliteTable("inbound_webhook_secrets", {
  workspaceId: text("workspace_id")
    .primaryKey()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  secret: text("secret").notNull(),
  createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: createdAt(),
});

export type InboundEvent = typeof inboundEvents.$inferSelect;
export type InboxItem = typeof inboxItems.$inferSelect;
