/**
 * Outgoing webhook endpoints of a workspace: register (the `whsec_…` secret is shown once and sealed
 * at rest), change the events, disable and enable, delete, send a test, and read the delivery log.
 * Every operation needs `webhooks.manage`; every query is scoped by the workspace.
 */
import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import { auditEntry, auditIfChanged } from "../../../lib/audit";
import { tokenKey } from "../../../lib/config/env";
import type { Db } from "../../../lib/db/client";
import { webhookDeliveries, webhookEndpoints, type WebhookDelivery, type WebhookEndpoint } from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { refusedHost } from "../../../lib/http/address";
import { AppError, forbidden, notFound } from "../../../lib/http/errors";
import { allowsLoopback } from "../../../lib/http/loopback";
import { isLoopbackHost } from "../../../lib/http/safe-fetch";
import { newId } from "../../../lib/ids";
import { attempt, disableEndpoint, refusedTarget, type AttemptResult, type DeliveryContext } from "../../../lib/webhooks/deliver";
import { payloadOf } from "../../../lib/webhooks/emit";
import { TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES } from "../../../lib/webhooks/events";
import { newSigningSecret, sealSigningSecret } from "../../../lib/webhooks/signature";
import type { WorkspaceAccess } from "../types";

/** Enough for any sensible integration; keeps one workspace from fanning every event out without end. */
export const MAX_ENDPOINTS = 20;
export const LOG_PAGE_SIZE = 25;

const eventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `must be one of ${WEBHOOK_EVENT_TYPES.join(", ")}` }))
  .min(1, "choose at least one event")
  .transform((types) => [...new Set(types)]);

const url = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(2000, "must be at most 2,000 characters")
  .refine((raw) => URL.canParse(raw) && ["https:", "http:"].includes(new URL(raw).protocol), "must be a full https:// URL");

export const endpointInput = z.object({
  url,
  description: z.string().trim().max(200, "must be at most 200 characters").default(""),
  eventTypes,
});
export type EndpointInput = z.infer<typeof endpointInput>;

export const endpointUpdate = z.object({
  description: z.string().trim().max(200, "must be at most 200 characters").optional(),
  eventTypes: eventTypes.optional(),
  active: z.boolean({ error: "must be true or false" }).optional(),
});
export type EndpointUpdate = z.infer<typeof endpointUpdate>;

export type EndpointView = Omit<WebhookEndpoint, "secretSealed">;

function allow(access: WorkspaceAccess) {
  if (!can(access.role, "webhooks.manage")) throw forbidden("Only owners and admins manage webhooks.");
}

const view = ({ secretSealed: _, ...rest }: WebhookEndpoint): EndpointView => rest;

/** https only (plain http just for a receiver on this machine with ALLOW_LOOPBACK=1), public hosts only. */
async function checkUrl(env: object, raw: string): Promise<void> {
  const allowLoopback = allowsLoopback(env);
  const target = new URL(raw);
  const local = allowLoopback && isLoopbackHost(target.hostname);
  const refuse = (message: string) => new AppError(422, "invalid_request", `url: ${message}`, { url: message });
  if (target.protocol !== "https:" && !local) throw refuse("must be an https URL: webhooks carry your data and are signed, so they are not sent in the clear");
  if (!local) {
    const problem = refusedHost(target);
    if (problem) throw refuse(`Refused: ${target.hostname} is ${problem}`);
  }
  const refusal = await refusedTarget(raw, { allowLoopback });
  if (refusal) throw refuse(refusal);
}

export async function listEndpoints(db: Db, access: WorkspaceAccess): Promise<EndpointView[]> {
  allow(access);
  const rows = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.workspaceId, access.workspace.id)).orderBy(desc(webhookEndpoints.createdAt)).all();
  return rows.map(view);
}

async function endpointRow(db: Db, access: WorkspaceAccess, endpointId: string): Promise<WebhookEndpoint> {
  allow(access);
  const row = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.workspaceId, access.workspace.id)))
    .get();
  if (!row) throw notFound("Webhook endpoint not found");
  return row;
}

export const getEndpoint = async (db: Db, access: WorkspaceAccess, endpointId: string) => view(await endpointRow(db, access, endpointId));

export async function createEndpoint(env: object, db: Db, access: WorkspaceAccess, input: EndpointInput): Promise<{ endpoint: EndpointView; secret: string }> {
  allow(access);
  const { workspace, actor } = access;
  await checkUrl(env, input.url);
  const count = await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM webhook_endpoints WHERE workspace_id = ${workspace.id}`);
  if (count.n >= MAX_ENDPOINTS) throw new AppError(409, "too_many_endpoints", `A workspace can have at most ${MAX_ENDPOINTS} webhook endpoints; delete one first.`);
  const id = newId("whe");
  const secret = newSigningSecret();
  const [rows] = await db.batch([
    db
      .insert(webhookEndpoints)
      .values({
        id,
        workspaceId: workspace.id,
        url: input.url,
        description: input.description,
        eventTypes: input.eventTypes,
        secretSealed: await sealSigningSecret(tokenKey(env), id, secret),
        createdBy: actor.userId,
      })
      .returning(),
    auditEntry(db, actor, { workspaceId: workspace.id, action: "webhook.created", targetType: "webhook_endpoint", targetId: id, detail: { url: input.url, eventTypes: input.eventTypes } }),
  ]);
  return { endpoint: view(rows[0]!), secret };
}

/** Changes the description or events, or enables (forgiving past failures) or disables it. */
export async function updateEndpoint(db: Db, access: WorkspaceAccess, endpointId: string, input: EndpointUpdate): Promise<EndpointView> {
  const current = await endpointRow(db, access, endpointId);
  const { workspace, actor } = access;
  const where = and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.workspaceId, workspace.id));
  const fields = {
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.eventTypes ? { eventTypes: input.eventTypes } : {}),
  };
  if (Object.keys(fields).length) {
    await db.batch([
      db.update(webhookEndpoints).set(fields).where(where),
      auditEntry(db, actor, { workspaceId: workspace.id, action: "webhook.updated", targetType: "webhook_endpoint", targetId: endpointId, detail: fields }),
    ]);
  }
  if (input.active === true && current.status === "disabled") {
    await db.batch([
      db
        .update(webhookEndpoints)
        .set({ status: "active", failingSince: null, disabledAt: null, disabledReason: null })
        .where(and(where, eq(webhookEndpoints.status, "disabled"))),
      auditIfChanged(db, actor, { workspaceId: workspace.id, action: "webhook.enabled", targetType: "webhook_endpoint", targetId: endpointId }),
    ]);
  } else if (input.active === false && current.status === "active") {
    if (await disableEndpoint(db, workspace.id, endpointId, Date.now(), "disabled by a member", { notify: false })) {
      await db.batch([auditEntry(db, actor, { workspaceId: workspace.id, action: "webhook.disabled", targetType: "webhook_endpoint", targetId: endpointId })]);
    }
  }
  return getEndpoint(db, access, endpointId);
}

export async function deleteEndpoint(db: Db, access: WorkspaceAccess, endpointId: string): Promise<void> {
  allow(access);
  const { workspace, actor } = access;
  const [deleted] = await db.batch([
    db
      .delete(webhookEndpoints)
      .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.workspaceId, workspace.id)))
      .returning({ id: webhookEndpoints.id }),
    auditIfChanged(db, actor, { workspaceId: workspace.id, action: "webhook.deleted", targetType: "webhook_endpoint", targetId: endpointId }),
  ]);
  if (deleted.length === 0) throw notFound("Webhook endpoint not found");
}

export type DeliveryPage = { deliveries: WebhookDelivery[]; nextBefore: string | null };

/** The endpoint's deliveries, newest first, a page at a time (cursor: the last row's time and id). */
export async function listDeliveries(db: Db, access: WorkspaceAccess, endpointId: string, before?: string): Promise<DeliveryPage> {
  await endpointRow(db, access, endpointId);
  const cursor = before?.match(/^(\d{1,15})_(msg_[0-9a-f]+)$/);
  if (before && !cursor) throw new AppError(422, "invalid_request", "before: is not a cursor from an earlier page", { before: "is not a cursor from an earlier page" });
  const at = cursor ? new Date(Number(cursor[1])) : null;
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        eq(webhookDeliveries.workspaceId, access.workspace.id),
        at ? or(lt(webhookDeliveries.createdAt, at), and(eq(webhookDeliveries.createdAt, at), lt(webhookDeliveries.id, cursor![2]!))) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(LOG_PAGE_SIZE + 1)
    .all();
  const page = rows.slice(0, LOG_PAGE_SIZE);
  const last = page.at(-1);
  return { deliveries: page, nextBefore: rows.length > LOG_PAGE_SIZE && last ? `${last.createdAt.getTime()}_${last.id}` : null };
}

/**
 * Sends a signed `webhook.test` event to this endpoint now, whatever its events or status, and
 * answers with what the receiver said. It is logged like any delivery but never retried, and it
 * does not count towards disabling the endpoint.
 */
export async function sendTest(env: object, db: Db, access: WorkspaceAccess, endpointId: string): Promise<AttemptResult & { deliveryId: string }> {
  const endpoint = await endpointRow(db, access, endpointId);
  const now = Date.now();
  const id = `msg_${[...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  const eventId = newId("evt");
  const payload = payloadOf(eventId, TEST_EVENT_TYPE, { endpointId, workspaceId: access.workspace.id, message: "A test event from Content Engine: your endpoint receives and verifies webhooks." }, now);
  await db.insert(webhookDeliveries).values({ id, endpointId, workspaceId: access.workspace.id, eventId, eventType: TEST_EVENT_TYPE, payload, status: "sending", attempts: 1, claimedAt: new Date(now), createdAt: new Date(now) });
  const ctx: DeliveryContext = { db, tokenKey: tokenKey(env), allowLoopback: allowsLoopback(env) };
  let result: AttemptResult;
  try {
    result = await attempt(ctx, endpoint, { id, payload });
  } catch (err) {
    // Our own trouble (the sealed secret does not open): logged on the row and shown, not a 500.
    result = { delivered: false, status: null, excerpt: null, error: `Not sent: ${err instanceof Error ? err.message : String(err)}` };
  }
  await db
    .update(webhookDeliveries)
    .set({
      status: result.delivered ? "delivered" : "failed",
      lastStatus: result.status,
      lastResponse: result.excerpt,
      lastError: result.error,
      claimedAt: null,
      deliveredAt: result.delivered ? new Date() : null,
    })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.workspaceId, access.workspace.id)));
  return { ...result, deliveryId: id };
}
