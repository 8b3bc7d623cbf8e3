import { createRoute, z } from "@hono/zod-openapi";
import { WEBHOOK_EVENT_TYPES } from "../../../lib/webhooks/events";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, isoOrNull, json, noContent, pathParam, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import type { WebhookDelivery } from "../../../lib/db/schema";
import { createEndpoint, deleteEndpoint, endpointInput, endpointUpdate, listDeliveries, listEndpoints, sendTest, updateEndpoint, type EndpointView } from "./service";

const endpointParams = workspaceParams.extend({ endpointId: pathParam("endpointId") });
const TAG = ["Webhooks"];

export const WebhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    status: z.enum(["active", "disabled"]),
    failingSince: timestamp.nullable(),
    lastSuccessAt: timestamp.nullable(),
    disabledAt: timestamp.nullable(),
    disabledReason: z.string().nullable(),
    createdAt: timestamp,
  })
  .openapi("WebhookEndpoint");

const DeliverySchema = z
  .object({
    id: z.string().openapi({ description: "The `webhook-id` header: the same on every attempt" }),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(["pending", "sending", "delivered", "failed", "cancelled"]),
    attempts: z.number().int(),
    lastStatus: z.number().int().nullable(),
    lastResponse: z.string().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: timestamp.nullable(),
    createdAt: timestamp,
    deliveredAt: timestamp.nullable(),
  })
  .openapi("WebhookDelivery");

const toEndpoint = (e: EndpointView) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes as (typeof WEBHOOK_EVENT_TYPES)[number][],
  status: e.status,
  failingSince: isoOrNull(e.failingSince),
  lastSuccessAt: isoOrNull(e.lastSuccessAt),
  disabledAt: isoOrNull(e.disabledAt),
  disabledReason: e.disabledReason,
  createdAt: iso(e.createdAt),
});

const toDelivery = (d: WebhookDelivery) => ({
  id: d.id,
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  lastStatus: d.lastStatus,
  lastResponse: d.lastResponse,
  lastError: d.lastError,
  nextAttemptAt: d.status === "pending" ? isoOrNull(d.nextAttemptAt) : null,
  createdAt: iso(d.createdAt),
  deliveredAt: isoOrNull(d.deliveredAt),
});

export function webhookApi(api: Api) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/webhooks/endpoints",
      tags: TAG,
      security,
      summary: "List outgoing webhook endpoints (never their secrets)",
      request: { params: workspaceParams },
      responses: { 200: json(z.object({ endpoints: z.array(WebhookEndpointSchema) }), "Endpoints, newest first"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "webhooks.manage");
      return c.json({ endpoints: (await listEndpoints(c.var.db, c.var.access)).map(toEndpoint) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/webhooks/endpoints",
      tags: TAG,
      security,
      summary: "Register an https endpoint; its `whsec_…` signing secret is in this answer only",
      request: { params: workspaceParams, ...body(endpointInput) },
      responses: { 201: json(WebhookEndpointSchema.extend({ secret: z.string() }), "The endpoint and its signing secret"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "webhooks.manage");
      const { endpoint, secret } = await createEndpoint(c.env, c.var.db, c.var.access, c.req.valid("json"));
      return c.json({ ...toEndpoint(endpoint), secret }, 201);
    },
  );

  api.openapi(
    createRoute({
      method: "patch",
      path: "/v1/workspaces/{workspaceId}/webhooks/endpoints/{endpointId}",
      tags: TAG,
      security,
      summary: "Change an endpoint's description or events, or disable it / enable it again (`active`)",
      request: { params: endpointParams, ...body(endpointUpdate) },
      responses: { 200: json(WebhookEndpointSchema, "The endpoint"), ...errors },
    }),
    async (c) => {
      const { workspaceId, endpointId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "webhooks.manage");
      return c.json(toEndpoint(await updateEndpoint(c.var.db, c.var.access, endpointId, c.req.valid("json"))), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "delete",
      path: "/v1/workspaces/{workspaceId}/webhooks/endpoints/{endpointId}",
      tags: TAG,
      security,
      summary: "Delete an endpoint and its delivery log",
      request: { params: endpointParams },
      responses: { 204: { description: "Deleted" }, ...errors },
    }),
    async (c) => {
      const { workspaceId, endpointId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "webhooks.manage");
      await deleteEndpoint(c.var.db, c.var.access, endpointId);
      return noContent();
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/webhooks/endpoints/{endpointId}/deliveries",
      tags: TAG,
      security,
      summary: "An endpoint's deliveries, newest first, 25 a page",
      request: { params: endpointParams, query: z.object({ before: z.string().max(100).optional().openapi({ description: "`nextBefore` of the previous page" }) }) },
      responses: { 200: json(z.object({ deliveries: z.array(DeliverySchema), nextBefore: z.string().nullable() }), "A page of deliveries"), ...errors },
    }),
    async (c) => {
      const { workspaceId, endpointId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "webhooks.manage");
      const page = await listDeliveries(c.var.db, c.var.access, endpointId, c.req.valid("query").before);
      return c.json({ deliveries: page.deliveries.map(toDelivery), nextBefore: page.nextBefore }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/webhooks/endpoints/{endpointId}/test",
      tags: TAG,
      security,
      summary: "Send a signed `webhook.test` event now and report what the endpoint answered",
      request: { params: endpointParams },
      responses: {
        200: json(z.object({ deliveryId: z.string(), delivered: z.boolean(), status: z.number().int().nullable(), response: z.string().nullable(), error: z.string().nullable() }), "The outcome"),
        ...errors,
      },
    }),
    async (c) => {
      const { workspaceId, endpointId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "webhooks.manage");
      const r = await sendTest(c.env, c.var.db, c.var.access, endpointId);
      return c.json({ deliveryId: r.deliveryId, delivered: r.delivered, status: r.status, response: r.excerpt, error: r.error }, 200);
    },
  );
}
