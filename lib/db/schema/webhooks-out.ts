/**
 * Outgoing webhooks (issue 8): HTTPS endpoints a workspace registers for some event types, and one
 * delivery row per event and endpoint. The delivery row is the retry schedule (`next_attempt_at`)
 * and the log the UI shows; its payload is the exact body, so every attempt signs the same bytes.
 * An endpoint failing without a success for three days is disabled (lib/webhooks/deliver.ts).
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users, workspaces } from "./accounts";
import { createdAt } from "./columns";

export const WEBHOOK_ENDPOINT_STATUSES = ["active", "disabled"] as const;
export type WebhookEndpointStatus = (typeof WEBHOOK_ENDPOINT_STATUSES)[number];

/**
 * pending: waiting for its (next) attempt · sending: claimed by one sender · delivered: a 2xx came
 * back · failed: given up (too old, or refused before sending) · cancelled: its endpoint was
 * disabled or deleted meanwhile.
 */
export const WEBHOOK_DELIVERY_STATUSES = ["pending", "sending", "delivered", "failed", "cancelled"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    /** The event types it is sent (lib/webhooks/events.ts), as a JSON array. */
    eventTypes: text("event_types", { mode: "json" }).$type<string[]>().notNull(),
    /** The `whsec_…` signing secret, sealed with TOKEN_KEY and bound to this row's id. */
    secretSealed: text("secret_sealed").notNull(),
    status: text("status", { enum: WEBHOOK_ENDPOINT_STATUSES }).notNull().default("active"),
    /** The first failure since the last success; null while it is healthy. */
    failingSince: integer("failing_since", { mode: "timestamp_ms" }),
    lastSuccessAt: integer("last_success_at", { mode: "timestamp_ms" }),
    disabledAt: integer("disabled_at", { mode: "timestamp_ms" }),
    disabledReason: text("disabled_reason"),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("webhook_endpoints_workspace_idx").on(t.workspaceId, t.status)],
);

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    /** Also the `webhook-id` header: the same on every attempt, so receivers can drop repeats. */
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    /** One event sent to several endpoints shares this id (it is in the payload). */
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    /** The JSON body, exactly as signed and sent. */
    payload: text("payload").notNull(),
    attempts: integer("attempts").notNull().default(0),
    status: text("status", { enum: WEBHOOK_DELIVERY_STATUSES }).notNull().default("pending"),
    lastStatus: integer("last_status"),
    /** The start of the receiver's last answer, for the log (at most a few hundred characters). */
    lastResponse: text("last_response"),
    lastError: text("last_error"),
    nextAttemptAt: integer("next_attempt_at", { mode: "timestamp_ms" }),
    /** When a sender claimed it (status `sending`); a stale claim is taken over by the sweep. */
    claimedAt: integer("claimed_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
    deliveredAt: integer("delivered_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("webhook_deliveries_due_idx").on(t.status, t.nextAttemptAt),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt),
    index("webhook_deliveries_workspace_idx").on(t.workspaceId, t.createdAt),
  ],
);

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
