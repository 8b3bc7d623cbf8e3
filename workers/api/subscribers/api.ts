/** Subscribers, lists, segments, imports and exports under /api/v1. */
import { createRoute, z } from "@hono/zod-openapi";
import { SUBSCRIBER_STATUSES, type Subscriber, type SubscriberImport } from "../../../lib/db/schema";
import { segmentRules } from "../../../lib/email/segments";
import { parseInput } from "../../../lib/http/validate";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, isoOrNull, json, noContent, pathParam, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { exportCsv, subscriberData } from "./export";
import { getImport, importInput, importProgress, rejectionsOf, startImport } from "./imports";
import { countAudience, createSegment, deleteSegment, listSegments, segmentInput } from "./segments";
import { addSubscriber, createList, eraseSubscriber, getSubscriber, listInput, listLists, listSubscribers, subscriberInput, subscriberUpdate, unsubscribeByAdmin, updateSubscriber } from "./service";

const tags = ["Subscribers"];
const subscriberParams = workspaceParams.extend({ subscriberId: pathParam("subscriberId") });

const SubscriberSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    status: z.enum(SUBSCRIBER_STATUSES),
    tags: z.array(z.string()),
    attributes: z.record(z.string(), z.string()),
    source: z.string(),
    createdAt: timestamp,
    confirmedAt: timestamp.nullable(),
    unsubscribedAt: timestamp.nullable(),
  })
  .openapi("Subscriber");
const toSubscriber = (s: Subscriber) => ({
  id: s.id,
  email: s.email,
  firstName: s.firstName,
  lastName: s.lastName,
  status: s.status,
  tags: s.tags,
  attributes: s.attributes,
  source: s.source,
  createdAt: iso(s.createdAt),
  confirmedAt: isoOrNull(s.confirmedAt),
  unsubscribedAt: isoOrNull(s.unsubscribedAt),
});

const ImportSchema = z
  .object({
    id: z.string(),
    status: z.string(),
    fileName: z.string(),
    progress: z.number().int().openapi({ description: "Percent of the file read" }),
    added: z.number().int(),
    updated: z.number().int(),
    rejected: z.number().int(),
    error: z.string().nullable(),
    rejections: z.array(z.object({ row: z.number().int(), email: z.string(), reason: z.string() })),
  })
  .openapi("SubscriberImport");
const toImport = (i: SubscriberImport, rejections: { row: number; email: string; reason: string }[]) => ({
  id: i.id,
  status: i.status,
  fileName: i.fileName,
  progress: importProgress(i),
  added: i.added,
  updated: i.updated,
  rejected: i.rejected,
  error: i.error,
  rejections: rejections.map((r) => ({ row: r.row, email: r.email, reason: r.reason })),
});

const anyJson = z.record(z.string(), z.unknown());

export function subscriberApi(api: Api) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/subscribers",
      tags,
      security,
      summary: "List subscribers, newest first",
      request: { params: workspaceParams, query: z.object({ q: z.string().optional(), status: z.enum(SUBSCRIBER_STATUSES).optional(), listId: z.string().optional(), before: z.string().optional() }) },
      responses: { 200: json(z.object({ subscribers: z.array(SubscriberSchema), next: z.string().nullable() }), "A page of subscribers"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "subscribers.view");
      const page = await listSubscribers(c.var.db, c.var.access, c.req.valid("query"));
      return c.json({ subscribers: page.subscribers.map(toSubscriber), next: page.next }, 200);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/v1/workspaces/{workspaceId}/subscribers", tags, security, summary: "Add a subscriber (subscribed at once, with the consent given)", request: { params: workspaceParams, ...body(anyJson) }, responses: { 201: json(SubscriberSchema, "The subscriber"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "subscribers.manage");
      return c.json(toSubscriber(await addSubscriber(c.var.db, c.var.access, parseInput(subscriberInput, c.req.valid("json")))), 201);
    },
  );

  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/subscribers/export", tags, security, summary: "All subscribers as CSV", request: { params: workspaceParams }, responses: { 200: { description: "CSV", content: { "text/csv": { schema: z.string() } } }, ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "subscribers.export");
      return new Response(exportCsv(c.var.db, c.var.access), { headers: { "content-type": "text/csv; charset=utf-8" } }) as never;
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/subscribers/{subscriberId}",
      tags,
      security,
      summary: "A subscriber with their lists and consent records",
      request: { params: subscriberParams },
      responses: {
        200: json(z.object({ subscriber: SubscriberSchema, lists: z.array(z.object({ id: z.string(), name: z.string() })), consent: z.array(z.object({ kind: z.string(), at: timestamp, ip: z.string().nullable(), form: z.string().nullable(), textShown: z.string().nullable() })) }), "The subscriber"),
        ...errors,
      },
    }),
    async (c) => {
      const { workspaceId, subscriberId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "subscribers.view");
      const found = await getSubscriber(c.var.db, c.var.access, subscriberId);
      return c.json({ subscriber: toSubscriber(found.subscriber), lists: found.lists, consent: found.consent.map((r) => ({ kind: r.kind, at: iso(r.createdAt), ip: r.ip, form: r.form, textShown: r.textShown })) }, 200);
    },
  );

  api.openapi(
    createRoute({ method: "patch", path: "/v1/workspaces/{workspaceId}/subscribers/{subscriberId}", tags, security, summary: "Edit names, tags, attributes or lists", request: { params: subscriberParams, ...body(anyJson) }, responses: { 200: json(SubscriberSchema, "The subscriber"), ...errors } }),
    async (c) => {
      const { workspaceId, subscriberId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "subscribers.manage");
      return c.json(toSubscriber(await updateSubscriber(c.var.db, c.var.access, subscriberId, parseInput(subscriberUpdate, c.req.valid("json")))), 200);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/v1/workspaces/{workspaceId}/subscribers/{subscriberId}/unsubscribe", tags, security, summary: "Unsubscribe (the address goes on the suppression list)", request: { params: subscriberParams }, responses: { 204: { description: "Unsubscribed" }, ...errors } }),
    async (c) => {
      const { workspaceId, subscriberId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "subscribers.manage");
      await unsubscribeByAdmin(c.var.db, c.var.access, subscriberId);
      return noContent();
    },
  );

  api.openapi(
    createRoute({ method: "delete", path: "/v1/workspaces/{workspaceId}/subscribers/{subscriberId}", tags, security, summary: "Erase a subscriber (GDPR): only a hashed suppression entry stays", request: { params: subscriberParams }, responses: { 204: { description: "Erased" }, ...errors } }),
    async (c) => {
      const { workspaceId, subscriberId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "subscribers.erase");
      await eraseSubscriber(c.var.db, c.var.access, subscriberId);
      return noContent();
    },
  );

  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/subscribers/{subscriberId}/data", tags, security, summary: "Everything held about a subscriber (GDPR access)", request: { params: subscriberParams }, responses: { 200: json(anyJson, "The data"), ...errors } }),
    async (c) => {
      const { workspaceId, subscriberId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "subscribers.export");
      return c.json((await subscriberData(c.var.db, c.var.access, subscriberId)) as Record<string, unknown>, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/lists",
      tags,
      security,
      summary: "Lists with their subscribed counts",
      request: { params: workspaceParams },
      responses: { 200: json(z.object({ lists: z.array(z.object({ id: z.string(), name: z.string(), description: z.string(), consentText: z.string(), subscribed: z.number().int() })) }), "Lists"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "subscribers.view");
      const lists = await listLists(c.var.db, c.var.access);
      return c.json({ lists: lists.map(({ list, members }) => ({ id: list.id, name: list.name, description: list.description, consentText: list.consentText, subscribed: members })) }, 200);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/v1/workspaces/{workspaceId}/lists", tags, security, summary: "Create a list (it gets a hosted signup form)", request: { params: workspaceParams, ...body(anyJson) }, responses: { 201: json(z.object({ id: z.string(), name: z.string() }), "The list"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "subscribers.manage");
      const list = await createList(c.var.db, c.var.access, parseInput(listInput, c.req.valid("json")));
      return c.json({ id: list.id, name: list.name }, 201);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/segments",
      tags,
      security,
      summary: "Segments with how many they reach now",
      request: { params: workspaceParams },
      responses: { 200: json(z.object({ segments: z.array(z.object({ id: z.string(), name: z.string(), rules: z.unknown(), count: z.number().int() })) }), "Segments"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "subscribers.view");
      const rows = await listSegments(c.var.db, c.var.access);
      const counted = await Promise.all(rows.map(async (s) => ({ id: s.id, name: s.name, rules: s.rules, count: await countAudience(c.var.db, c.var.access, { rules: segmentRules.parse(s.rules) }) })));
      return c.json({ segments: counted }, 200);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/v1/workspaces/{workspaceId}/segments", tags, security, summary: "Create a segment from rules", request: { params: workspaceParams, ...body(anyJson) }, responses: { 201: json(z.object({ id: z.string(), name: z.string() }), "The segment"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "subscribers.manage");
      const s = await createSegment(c.var.db, c.var.access, parseInput(segmentInput, c.req.valid("json")));
      return c.json({ id: s.id, name: s.name }, 201);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/v1/workspaces/{workspaceId}/segments/count", tags, security, summary: "How many subscribed people rules (and a list) reach now", request: { params: workspaceParams, ...body(anyJson) }, responses: { 200: json(z.object({ count: z.number().int() }), "The count"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "subscribers.view");
      const input = parseInput(z.object({ rules: segmentRules.optional(), listId: z.string().optional() }), c.req.valid("json"));
      return c.json({ count: await countAudience(c.var.db, c.var.access, { rules: input.rules ?? null, listId: input.listId ?? null }) }, 200);
    },
  );

  api.openapi(
    createRoute({ method: "delete", path: "/v1/workspaces/{workspaceId}/segments/{segmentId}", tags, security, summary: "Delete a segment", request: { params: workspaceParams.extend({ segmentId: pathParam("segmentId") }) }, responses: { 204: { description: "Deleted" }, ...errors } }),
    async (c) => {
      const { workspaceId, segmentId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "subscribers.manage");
      await deleteSegment(c.var.db, c.var.access, segmentId);
      return noContent();
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/imports",
      tags,
      security,
      summary: "Import subscribers from CSV text (up to 1 MB here; larger files through the UI)",
      request: { params: workspaceParams, ...body(z.object({ csv: z.string(), fileName: z.string().optional(), listId: z.string().optional(), consentText: z.string() })) },
      responses: { 202: json(ImportSchema, "The import, queued"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "subscribers.manage");
      const input = c.req.valid("json");
      const started = await startImport(c.var.db, c.env.MEDIA, c.env.EMAIL_QUEUE, c.var.access, { name: input.fileName ?? "api.csv", bytes: new TextEncoder().encode(input.csv) }, parseInput(importInput, input));
      return c.json(toImport(started, []), 202);
    },
  );

  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/imports/{importId}", tags, security, summary: "An import's progress and every rejected row with its reason", request: { params: workspaceParams.extend({ importId: pathParam("importId") }) }, responses: { 200: json(ImportSchema, "The import"), ...errors } }),
    async (c) => {
      const { workspaceId, importId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "subscribers.view");
      const imp = await getImport(c.var.db, c.var.access, importId);
      return c.json(toImport(imp, await rejectionsOf(c.var.db, c.var.access, importId)), 200);
    },
  );
}
