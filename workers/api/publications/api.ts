/** Posting slots and an account's queue under /api/v1: the same services as the queue page. */
import { createRoute, z } from "@hono/zod-openapi";
import { parseInput } from "../../../lib/http/validate";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, json, noContent, pathParam, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { failedPublications } from "./service";
import { accountQueue, addSlot, moveInQueue, removeSlot, slotInput, slotsOf } from "./slots";

const accountParams = workspaceParams.extend({ accountId: pathParam("accountId") });
const SlotSchema = z.object({ id: z.string(), weekday: z.number().int().openapi({ description: "1 is Monday, 7 is Sunday" }), time: z.string().openapi({ example: "09:30" }) }).openapi("PostingSlot");
const SlotDoc = z.object({ weekday: z.number().int().min(1).max(7), time: z.string().openapi({ example: "09:30", description: "HH:MM in the workspace's zone" }) }).openapi("PostingSlotInput");
const slotList = async (...args: Parameters<typeof slotsOf>) => (await slotsOf(...args)).map((s) => ({ id: s.id, weekday: s.weekday, time: s.time }));
const QueueEntrySchema = z.object({ id: z.string(), contentId: z.string(), title: z.string(), scheduledAt: timestamp, status: z.string() }).openapi("QueueEntry");

const FailedSchema = z
  .object({ id: z.string(), contentId: z.string(), title: z.string(), platform: z.string(), handle: z.string(), attempts: z.number().int(), lastError: z.string().nullable(), failedAt: timestamp })
  .openapi("FailedPublication");

export function queueApi(api: Api) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/publications/failed",
      tags: ["Publishing"],
      security,
      summary: "Publications that failed for good, newest first, with the platform's message (retry with the content's `retry` transition)",
      request: { params: workspaceParams },
      responses: { 200: json(z.object({ publications: z.array(FailedSchema) }), "Failed publications"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "accounts.view");
      const failed = await failedPublications(c.var.db, c.var.access);
      return c.json({ publications: failed.map(({ contentStatus: _s, updatedAt, ...p }) => ({ ...p, failedAt: iso(updatedAt) })) }, 200);
    },
  );


  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/accounts/{accountId}/slots", tags: ["Publishing"], security, summary: "An account's weekly posting slots", request: { params: accountParams }, responses: { 200: json(z.object({ slots: z.array(SlotSchema) }), "Slots, by weekday and time"), ...errors } }),
    async (c) => {
      const { workspaceId, accountId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "accounts.view");
      return c.json({ slots: await slotList(c.var.db, c.var.access, accountId) }, 200);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/v1/workspaces/{workspaceId}/accounts/{accountId}/slots", tags: ["Publishing"], security, summary: "Add a weekly posting slot (adding one that exists changes nothing)", request: { params: accountParams, ...body(SlotDoc) }, responses: { 200: json(z.object({ slots: z.array(SlotSchema) }), "The account's slots"), ...errors } }),
    async (c) => {
      const { workspaceId, accountId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "accounts.manage");
      await addSlot(c.var.db, c.var.access, accountId, parseInput(slotInput, c.req.valid("json")));
      return c.json({ slots: await slotList(c.var.db, c.var.access, accountId) }, 200);
    },
  );

  api.openapi(
    createRoute({ method: "delete", path: "/v1/workspaces/{workspaceId}/accounts/{accountId}/slots/{slotId}", tags: ["Publishing"], security, summary: "Remove a posting slot", request: { params: accountParams.extend({ slotId: pathParam("slotId") }) }, responses: { 204: { description: "Removed" }, ...errors } }),
    async (c) => {
      const { workspaceId, accountId, slotId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "accounts.manage");
      await removeSlot(c.var.db, c.var.access, accountId, slotId);
      return noContent();
    },
  );

  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/accounts/{accountId}/queue", tags: ["Publishing"], security, summary: "The account's publications waiting to go out, soonest first", request: { params: accountParams }, responses: { 200: json(z.object({ queue: z.array(QueueEntrySchema) }), "The queue"), ...errors } }),
    async (c) => {
      const { workspaceId, accountId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "accounts.view");
      return c.json({ queue: (await accountQueue(c.var.db, c.var.access, accountId)).map((e) => ({ ...e, scheduledAt: iso(e.scheduledAt) })) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/accounts/{accountId}/queue/{publicationId}/move",
      tags: ["Publishing"],
      security,
      summary: "Move a queued publication one place up or down (it swaps times with its neighbour)",
      request: { params: accountParams.extend({ publicationId: pathParam("publicationId") }), ...body(z.object({ direction: z.enum(["up", "down"]) }).openapi("QueueMove")) },
      responses: { 200: json(z.object({ queue: z.array(QueueEntrySchema) }), "The queue after the move"), ...errors },
    }),
    async (c) => {
      const { workspaceId, accountId, publicationId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "content.edit");
      await moveInQueue(c.var.db, c.env.PUBLISH_QUEUE, c.var.access, accountId, publicationId, c.req.valid("json").direction);
      return c.json({ queue: (await accountQueue(c.var.db, c.var.access, accountId)).map((e) => ({ ...e, scheduledAt: iso(e.scheduledAt) })) }, 200);
    },
  );
}
