/** Campaigns, templates, the calendar and notifications under /api/v1. */
import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, isNull } from "drizzle-orm";
import { notifications, type Campaign, type Template } from "../../../lib/db/schema";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, isoOrNull, json, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { calendarItems, reschedule } from "../calendar/service";
import { campaignInput, createCampaign, createTemplate, listCampaigns, listTemplates, templateInput } from "./service";

const CampaignSchema = z.object({ id: z.string(), name: z.string(), description: z.string(), createdAt: timestamp }).openapi("Campaign");
const toCampaign = (c: Campaign) => ({ id: c.id, name: c.name, description: c.description, createdAt: iso(c.createdAt) });
const TemplateSchema = z
  .object({ id: z.string(), name: z.string(), kind: z.string(), body: z.string(), platforms: z.array(z.string()), createdAt: timestamp })
  .openapi("Template");
const toTemplate = (t: Template) => ({ id: t.id, name: t.name, kind: t.kind, body: t.body, platforms: t.platforms, createdAt: iso(t.createdAt) });

export function campaignApi(api: Api) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/campaigns",
      tags: ["Campaigns & templates"],
      security,
      summary: "List campaigns",
      request: { params: workspaceParams },
      responses: { 200: json(z.object({ campaigns: z.array(CampaignSchema) }), "Campaigns by name"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "content.view");
      return c.json({ campaigns: (await listCampaigns(c.var.db, c.var.access)).map(toCampaign) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/campaigns",
      tags: ["Campaigns & templates"],
      security,
      summary: "Create a campaign (names are unique per workspace)",
      request: { params: workspaceParams, ...body(campaignInput) },
      responses: { 201: json(CampaignSchema, "The campaign"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "campaigns.manage");
      return c.json(toCampaign(await createCampaign(c.var.db, c.var.access, c.req.valid("json"))), 201);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/templates",
      tags: ["Campaigns & templates"],
      security,
      summary: "List templates",
      request: { params: workspaceParams },
      responses: { 200: json(z.object({ templates: z.array(TemplateSchema) }), "Templates by name"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "content.view");
      return c.json({ templates: (await listTemplates(c.var.db, c.var.access)).map(toTemplate) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/templates",
      tags: ["Campaigns & templates"],
      security,
      summary: "Create a template",
      request: { params: workspaceParams, ...body(templateInput) },
      responses: { 201: json(TemplateSchema, "The template"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "campaigns.manage");
      return c.json(toTemplate(await createTemplate(c.var.db, c.var.access, c.req.valid("json"))), 201);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/calendar",
      tags: ["Calendar"],
      security,
      summary: "Scheduled and published items between two instants",
      request: {
        params: workspaceParams,
        query: z.object({
          from: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" }),
          to: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" }),
        }),
      },
      responses: {
        200: json(
          z.object({ items: z.array(z.object({ id: z.string(), title: z.string(), kind: z.string(), status: z.string(), at: timestamp, local: z.string() })) }),
          "Items, earliest first; `local` is the wall-clock time in the workspace's zone",
        ),
        ...errors,
      },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "content.view");
      const { from, to } = c.req.valid("query");
      const items = await calendarItems(c.var.db, c.var.access, new Date(from), new Date(to));
      return c.json({ items: items.map((i) => ({ ...i, at: iso(i.at) })) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/calendar/moves",
      tags: ["Calendar"],
      security,
      summary: "Move a scheduled item to another day, keeping its wall-clock time (or to `time`)",
      request: {
        params: workspaceParams,
        ...body(
          z.object({
            contentId: z.string().min(1, "is required"),
            day: z.iso.date({ error: "must be a date (YYYY-MM-DD)" }),
            time: z.string().regex(/^\d{2}:\d{2}$/, "must be HH:mm").optional(),
          }),
        ),
      },
      responses: { 200: json(z.object({ scheduledAt: timestamp }), "The new instant"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "content.edit");
      const { contentId, day, time } = c.req.valid("json");
      return c.json({ scheduledAt: iso(await reschedule(c.var.db, c.env.PUBLISH_QUEUE, c.var.access, contentId, day, time)) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/notifications",
      tags: ["Notifications"],
      security,
      summary: "The token owner's notifications, newest first",
      request: { params: workspaceParams },
      responses: {
        200: json(
          z.object({ notifications: z.array(z.object({ id: z.number().int(), kind: z.string(), text: z.string(), contentId: z.string().nullable(), readAt: timestamp.nullable(), createdAt: timestamp })) }),
          "Notifications",
        ),
        ...errors,
      },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "content.view");
      const rows = await c.var.db
        .select()
        .from(notifications)
        .where(and(eq(notifications.workspaceId, c.var.access.workspace.id), eq(notifications.userId, c.var.access.actor.userId)))
        .orderBy(desc(notifications.id))
        .limit(100)
        .all();
      return c.json({ notifications: rows.map((n) => ({ id: n.id, kind: n.kind, text: n.text, contentId: n.contentId, readAt: isoOrNull(n.readAt), createdAt: iso(n.createdAt) })) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/notifications/read",
      tags: ["Notifications"],
      security,
      summary: "Mark all of the token owner's notifications as read",
      request: { params: workspaceParams },
      responses: { 200: json(z.object({ marked: z.number().int() }), "How many were unread"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "content.comment");
      const marked = await c.var.db
        .update(notifications)
        .set({ readAt: new Date() })
        .where(and(eq(notifications.workspaceId, c.var.access.workspace.id), eq(notifications.userId, c.var.access.actor.userId), isNull(notifications.readAt)))
        .returning({ id: notifications.id });
      return c.json({ marked: marked.length }, 200);
    },
  );
}

