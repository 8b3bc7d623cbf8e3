/**
 * Publishing: the social accounts a workspace connected, and publications (one variant of one content
 * item going out on one account at one instant). The account's AccountScheduler Durable Object keeps
 * the due instants; these rows are the record of what happened.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users, workspaces } from "./accounts";
import { createdAt } from "./columns";
import { content, contentVariants } from "./content";

const workspaceId = () =>
  text("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" });

export const ACCOUNT_STATES = ["connected", "expiring", "expired", "error"] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

export const socialAccounts = sqliteTable(
  "social_accounts",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    /** A platform id of lib/domain/platforms.ts. */
    platform: text("platform").notNull(),
    /** The platform's own id for the account (a Bluesky DID, a Mastodon account id). */
    externalId: text("external_id").notNull(),
    handle: text("handle").notNull(),
    displayName: text("display_name").notNull().default(""),
    /** Where the account's API lives: a Bluesky PDS or a Mastodon instance origin. */
    serviceUrl: text("service_url").notNull(),
    /** Tokens and passwords as one JSON object, sealed (lib/crypto/sealed.ts, purpose `account-credentials`). */
    credentials: text("credentials").notNull(),
    /** When the sign-in dies unless renewed: the refresh token's expiry (or the access token's, without one). */
    tokenExpiresAt: integer("token_expires_at", { mode: "timestamp_ms" }),
    /** When the OAuth access token stops working: the refresh cron renews it in the day before. */
    accessExpiresAt: integer("access_expires_at", { mode: "timestamp_ms" }),
    /** When that access token was obtained: it is renewed once half its life has gone. */
    accessIssuedAt: integer("access_issued_at", { mode: "timestamp_ms" }),
    status: text("status", { enum: ACCOUNT_STATES }).notNull().default("connected"),
    /** The platform's own words when the account last failed to authenticate. */
    lastError: text("last_error"),
    connectedBy: text("connected_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("social_accounts_external_idx").on(t.workspaceId, t.platform, t.externalId), index("social_accounts_access_expiry_idx").on(t.accessExpiresAt)],
);

export const OAUTH_FLOW_STAGES = ["authorize", "pick"] as const;

/**
 * An OAuth connect flow under way (10 minutes at most). `authorize`: keyed by the SHA-256 of the
 * state sent to the platform, holding the PKCE verifier sealed; `pick`: the accounts the tokens can
 * post as, sealed, waiting for the person to choose. Bound to the person and workspace that began it.
 */
export const oauthFlows = sqliteTable(
  "oauth_flows",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    platform: text("platform").notNull(),
    stage: text("stage", { enum: OAUTH_FLOW_STAGES }).notNull(),
    /** The instance, on per-instance platforms (Mastodon). */
    serviceUrl: text("service_url"),
    /** Sealed (purpose `oauth-flow`, the row id as associated data). */
    sealed: text("sealed").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("oauth_flows_expires_idx").on(t.expiresAt)],
);

/** The app registered on one instance of a per-instance platform (Mastodon), so it is registered once. */
export const oauthApps = sqliteTable(
  "oauth_apps",
  {
    id: text("id").primaryKey(),
    platform: text("platform").notNull(),
    origin: text("origin").notNull(),
    redirectUri: text("redirect_uri").notNull(),
    clientId: text("client_id").notNull(),
    /** Sealed (purpose `oauth-app`, the row id as associated data). */
    clientSecret: text("client_secret").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("oauth_apps_instance_idx").on(t.platform, t.origin, t.redirectUri)],
);

/**
 * scheduled → publishing → published, or failed (with the platform's message). `unknown` is a
 * publish call whose outcome was lost (a timeout after sending): it is resolved by looking for the
 * post on the account, never by posting again blindly. `waiting` waits for the rate limit.
 */
export const PUBLICATION_STATES = ["scheduled", "waiting", "publishing", "unknown", "published", "failed", "cancelled"] as const;
export type PublicationState = (typeof PUBLICATION_STATES)[number];

export const publications = sqliteTable(
  "publications",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    contentId: text("content_id")
      .notNull()
      .references(() => content.id, { onDelete: "cascade" }),
    variantId: text("variant_id")
      .notNull()
      .references(() => contentVariants.id, { onDelete: "cascade" }),
    accountId: text("account_id")
      .notNull()
      .references(() => socialAccounts.id, { onDelete: "cascade" }),
    /** The instant to publish at (UTC) and the IANA zone it was chosen in. */
    scheduledAt: integer("scheduled_at", { mode: "timestamp_ms" }).notNull(),
    scheduledZone: text("scheduled_zone").notNull(),
    status: text("status", { enum: PUBLICATION_STATES }).notNull().default("scheduled"),
    /** Sent to platforms that accept one, and the seed of the post's own key where they let us choose it. */
    idempotencyKey: text("idempotency_key").notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** While `waiting`: when the rate limit lets it go. */
    waitingUntil: integer("waiting_until", { mode: "timestamp_ms" }),
    externalId: text("external_id"),
    externalUrl: text("external_url"),
    lastError: text("last_error"),
    publishedAt: integer("published_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    /**
     * What an attempt noted for the next ones (connectors/types.ts `notePending`): TikTok's publish
     * id of a post still in moderation, so a retry asks about it instead of posting again.
     */
    pendingRef: text("pending_ref"),
    /**
     * When the post's engagement is next pulled (workers/publisher/metrics): set on publishing, moved
     * along a decaying schedule by each pull, null once pulling is over (or before publishing).
     */
    metricsDueAt: integer("metrics_due_at", { mode: "timestamp_ms" }),
    /** When the platform told us (webhooks in) the post was deleted there; its metrics are no longer pulled. */
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("publications_workspace_scheduled_idx").on(t.workspaceId, t.scheduledAt),
    index("publications_status_scheduled_idx").on(t.status, t.scheduledAt),
    uniqueIndex("publications_idempotency_idx").on(t.idempotencyKey),
    index("publications_metrics_due_idx").on(t.metricsDueAt),
  ],
);

export type SocialAccount = typeof socialAccounts.$inferSelect;
export type Publication = typeof publications.$inferSelect;
