/**
 * Email: lists, subscribers with their consent records, the hashed suppression list, segments,
 * newsletters, sends with one delivery row per subscriber, provider events, and each workspace's
 * provider settings. Addresses are compared by their normalised form (lib/email/address.ts).
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users, workspaces } from "./accounts";
import { createdAt } from "./columns";

const workspaceId = () =>
  text("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" });

export const SUBSCRIBER_STATUSES = ["pending", "subscribed", "unsubscribed", "bounced", "complained"] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

export const emailLists = sqliteTable(
  "email_lists",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** The consent wording shown on the public form; stored with every consent record. */
    consentText: text("consent_text").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("email_lists_name_idx").on(t.workspaceId, t.name)],
);

export const subscribers = sqliteTable(
  "subscribers",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    /** As given; `emailNormalized` is what identifies the person. */
    email: text("email").notNull(),
    emailNormalized: text("email_normalized").notNull(),
    /** The suppression-list hash of the normalised address (lib/email/address.ts: suppressionHash). */
    emailHash: text("email_hash").notNull(),
    firstName: text("first_name"),
    lastName: text("last_name"),
    status: text("status", { enum: SUBSCRIBER_STATUSES }).notNull(),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default([]),
    attributes: text("attributes", { mode: "json" }).$type<Record<string, string>>().notNull().default({}),
    /** form, import, api or manual. */
    source: text("source").notNull(),
    confirmedAt: integer("confirmed_at", { mode: "timestamp_ms" }),
    unsubscribedAt: integer("unsubscribed_at", { mode: "timestamp_ms" }),
    /** At most one confirmation email per 24 hours goes to one address. */
    confirmationSentAt: integer("confirmation_sent_at", { mode: "timestamp_ms" }),
    lastEngagedAt: integer("last_engaged_at", { mode: "timestamp_ms" }),
    /** The import that last wrote this row: a second row for it in the same file is a duplicate. */
    lastImportId: text("last_import_id"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("subscribers_address_idx").on(t.workspaceId, t.emailNormalized),
    index("subscribers_status_idx").on(t.workspaceId, t.status),
    index("subscribers_hash_idx").on(t.workspaceId, t.emailHash),
  ],
);

export const subscriberLists = sqliteTable(
  "subscriber_lists",
  {
    listId: text("list_id")
      .notNull()
      .references(() => emailLists.id, { onDelete: "cascade" }),
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id, { onDelete: "cascade" }),
    workspaceId: workspaceId(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.subscriberId] }), index("subscriber_lists_subscriber_idx").on(t.subscriberId)],
);

/** Proof of consent: when, from where, through which form, and the exact words shown. */
export const consentRecords = sqliteTable(
  "consent_records",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    subscriberId: text("subscriber_id")
      .notNull()
      .references(() => subscribers.id, { onDelete: "cascade" }),
    /** signup, confirm, import, api, manual, preferences, unsubscribe. */
    kind: text("kind").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    form: text("form"),
    textShown: text("text_shown"),
    createdAt: createdAt(),
  },
  (t) => [index("consent_records_subscriber_idx").on(t.subscriberId)],
);

export const SUPPRESSION_REASONS = ["unsubscribed", "bounced", "complained", "erased", "manual"] as const;

/** Addresses never to mail again, kept only as a hash so an erased person leaves no address behind. */
export const suppressions = sqliteTable(
  "suppressions",
  {
    workspaceId: workspaceId(),
    emailHash: text("email_hash").notNull(),
    reason: text("reason", { enum: SUPPRESSION_REASONS }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.emailHash] })],
);

export const segments = sqliteTable(
  "segments",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    name: text("name").notNull(),
    /** lib/email/segments.ts: SegmentRules. */
    rules: text("rules", { mode: "json" }).$type<unknown>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("segments_name_idx").on(t.workspaceId, t.name)],
);

export const newsletters = sqliteTable(
  "newsletters",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    subject: text("subject").notNull(),
    preheader: text("preheader").notNull().default(""),
    /** Opening words above the items; Markdown with personalisation tags (`{{first_name|there}}`). */
    intro: text("intro").notNull().default(""),
    /** The content items it is built from, in order. */
    contentIds: text("content_ids", { mode: "json" }).$type<string[]>().notNull().default([]),
    createdBy: text("created_by").references(() => users.id),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("newsletters_workspace_idx").on(t.workspaceId, t.updatedAt)],
);

export const SEND_STATUSES = ["scheduled", "preparing", "sending", "paused", "cancelled", "sent", "failed"] as const;
export type SendStatus = (typeof SEND_STATUSES)[number];

/**
 * One send of a newsletter to an audience. The message is snapshotted here when the send starts, so
 * resuming after a crash sends exactly what the first half got.
 */
export const emailSends = sqliteTable(
  "email_sends",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    newsletterId: text("newsletter_id")
      .notNull()
      .references(() => newsletters.id, { onDelete: "cascade" }),
    listId: text("list_id").references(() => emailLists.id, { onDelete: "set null" }),
    segmentId: text("segment_id").references(() => segments.id, { onDelete: "set null" }),
    status: text("status", { enum: SEND_STATUSES }).notNull(),
    scheduledAt: integer("scheduled_at", { mode: "timestamp_ms" }).notNull(),
    subject: text("subject").notNull(),
    preheader: text("preheader").notNull(),
    html: text("html").notNull(),
    text: text("text").notNull(),
    /** The origin links in the message point at (the app's address when the send was created). */
    baseUrl: text("base_url").notNull(),
    total: integer("total").notNull().default(0),
    sent: integer("sent").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    lastError: text("last_error"),
    createdBy: text("created_by").references(() => users.id),
    createdAt: createdAt(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
    /** The last sign of life of a running send (a run starting, a batch completed): see sweep.ts. */
    heartbeatAt: integer("heartbeat_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("email_sends_workspace_idx").on(t.workspaceId, t.createdAt),
    index("email_sends_newsletter_idx").on(t.newsletterId),
    index("email_sends_due_idx").on(t.status, t.scheduledAt),
  ],
);

export const DELIVERY_STATUSES = ["queued", "sending", "sent", "failed", "skipped", "unconfirmed"] as const;

/**
 * One row per subscriber per send, written when the send starts. A batch is claimed (`sending`,
 * with its `batchKey`) before the provider call and completed after it; a batch found still
 * `sending` after a crash is reconciled with the provider before anyone in it is mailed again.
 */
export const emailDeliveries = sqliteTable(
  "email_deliveries",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    sendId: text("send_id")
      .notNull()
      .references(() => emailSends.id, { onDelete: "cascade" }),
    subscriberId: text("subscriber_id").references(() => subscribers.id, { onDelete: "set null" }),
    email: text("email").notNull(),
    firstName: text("first_name"),
    lastName: text("last_name"),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull().default("queued"),
    batchKey: text("batch_key"),
    claimedAt: integer("claimed_at", { mode: "timestamp_ms" }),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }),
    providerMessageId: text("provider_message_id"),
    error: text("error"),
    openedAt: integer("opened_at", { mode: "timestamp_ms" }),
    clickedAt: integer("clicked_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("email_deliveries_once_idx").on(t.sendId, t.subscriberId),
    index("email_deliveries_queue_idx").on(t.sendId, t.status, t.id),
    index("email_deliveries_batch_idx").on(t.batchKey),
  ],
);

/**
 * Provider events (SendGrid Event Webhook), deduplicated by the provider's event id within each
 * workspace (workspaces sharing a provider account all receive its events, with the same ids).
 */
export const emailEvents = sqliteTable(
  "email_events",
  {
    provider: text("provider").notNull(),
    eventId: text("event_id").notNull(),
    workspaceId: workspaceId(),
    deliveryId: text("delivery_id"),
    type: text("type").notNull(),
    emailHash: text("email_hash"),
    occurredAt: integer("occurred_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.workspaceId, t.eventId] }), index("email_events_workspace_idx").on(t.workspaceId, t.occurredAt)],
);

export const EMAIL_PROVIDERS = ["sendgrid", "resend", "postmark"] as const;
export type EmailProviderName = (typeof EMAIL_PROVIDERS)[number];

export const emailSettings = sqliteTable("email_settings", {
  workspaceId: text("workspace_id")
    .primaryKey()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  provider: text("provider", { enum: EMAIL_PROVIDERS }).notNull(),
  /** AES-GCM ciphertext (lib/email/secrets.ts); never shown again after saving. */
  apiKeyEncrypted: text("api_key_encrypted").notNull(),
  fromEmail: text("from_email").notNull(),
  fromName: text("from_name").notNull(),
  replyTo: text("reply_to"),
  /** The mailbox in the `mailto:` List-Unsubscribe URI. */
  unsubscribeMailto: text("unsubscribe_mailto").notNull(),
  /** The sender's postal address, required in the footer of commercial email in many countries. */
  postalAddress: text("postal_address").notNull().default(""),
  /** Messages per second the provider account allows. */
  ratePerSecond: integer("rate_per_second").notNull().default(100),
  /** SendGrid's Event Webhook verification key (base64 DER of an ECDSA P-256 public key). */
  webhookPublicKey: text("webhook_public_key"),
  trackingEnabled: integer("tracking_enabled", { mode: "boolean" }).notNull().default(false),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

export const IMPORT_STATUSES = ["queued", "running", "done", "failed"] as const;

/** A CSV import, processed in chunks from R2 by the email queue; progress by bytes read. */
export const subscriberImports = sqliteTable(
  "subscriber_imports",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    listId: text("list_id").references(() => emailLists.id, { onDelete: "set null" }),
    status: text("status", { enum: IMPORT_STATUSES }).notNull().default("queued"),
    fileName: text("file_name").notNull(),
    r2Key: text("r2_key").notNull(),
    fileBytes: integer("file_bytes").notNull(),
    /** Where the next chunk starts, in bytes; its first data row's number. */
    offset: integer("offset").notNull().default(0),
    nextRow: integer("next_row").notNull().default(2),
    columns: text("columns", { mode: "json" }).$type<string[]>(),
    added: integer("added").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    rejected: integer("rejected").notNull().default(0),
    error: text("error"),
    /** The consent the importer vouched for, copied into each new subscriber's consent record. */
    consentText: text("consent_text").notNull(),
    createdBy: text("created_by").references(() => users.id),
    createdAt: createdAt(),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("subscriber_imports_workspace_idx").on(t.workspaceId, t.createdAt)],
);

export const importRejections = sqliteTable(
  "subscriber_import_rejections",
  {
    importId: text("import_id")
      .notNull()
      .references(() => subscriberImports.id, { onDelete: "cascade" }),
    row: integer("row").notNull(),
    email: text("email").notNull(),
    reason: text("reason").notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.row] })],
);

/** Fixed-window counters for the public forms (per address and per form), cleared as windows pass. */
export const formRateLimits = sqliteTable("email_form_rate_limits", {
  key: text("key").primaryKey(),
  windowStart: integer("window_start").notNull(),
  count: integer("count").notNull(),
});

export type EmailList = typeof emailLists.$inferSelect;
export type Subscriber = typeof subscribers.$inferSelect;
export type Segment = typeof segments.$inferSelect;
export type Newsletter = typeof newsletters.$inferSelect;
export type EmailSend = typeof emailSends.$inferSelect;
export type EmailDelivery = typeof emailDeliveries.$inferSelect;
export type EmailSettings = typeof emailSettings.$inferSelect;
export type SubscriberImport = typeof subscriberImports.$inferSelect;
