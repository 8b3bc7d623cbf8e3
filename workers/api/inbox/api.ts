import { createRoute, z } from "@hono/zod-openapi";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { errors, iso, isoOrNull, json, pathParam, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { INBOX_PAGE_SIZE, inboxFilter, inboxPage, markDone, type InboxRow } from "./service";

export const InboxItemSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["comment", "mention"]),
    platform: z.string().openapi({ description: "A platform id, or `other` for items from the generic inbound endpoint" }),
    accountId: z.string().nullable(),
    accountHandle: z.string().nullable(),
    externalId: z.string().openapi({ description: "The platform's id of the comment or post" }),
    publicationId: z.string().nullable().openapi({ description: "Our publication the comment is on, if it is on one" }),
    contentId: z.string().nullable(),
    author: z.string(),
    text: z.string(),
    url: z.string().nullable(),
    occurredAt: timestamp,
    doneAt: timestamp.nullable(),
  })
  .openapi("InboxItem");

const toInboxItem = (i: InboxRow) => ({
  id: i.id,
  kind: i.kind,
  platform: i.platform,
  accountId: i.accountId,
  accountHandle: i.accountHandle,
  externalId: i.externalId,
  publicationId: i.publicationId,
  contentId: i.contentId,
  author: i.author,
  text: i.text,
  url: i.url,
  occurredAt: iso(i.occurredAt),
  doneAt: isoOrNull(i.doneAt),
});

export function inboxApi(api: Api) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/inbox",
      tags: ["Inbox"],
      security,
      summary: "Comments and mentions from the platforms' webhooks: open ones newest first, or done ones",
      request: {
        params: workspaceParams,
        query: inboxFilter.extend({ limit: z.coerce.number().int().min(1).max(100).default(INBOX_PAGE_SIZE) }),
      },
      responses: { 200: json(z.object({ items: z.array(InboxItemSchema), hasMore: z.boolean() }), "A page of items"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "inbox.view");
      const { limit, ...filter } = c.req.valid("query");
      const page = await inboxPage(c.var.db, c.var.access, filter, limit);
      return c.json({ items: page.items.map(toInboxItem), hasMore: page.hasMore }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/inbox/{itemId}/done",
      tags: ["Inbox"],
      security,
      summary: "Mark an inbox item done (again: no change)",
      request: { params: workspaceParams.extend({ itemId: pathParam("itemId") }) },
      responses: { 200: json(InboxItemSchema, "The item, done"), ...errors },
    }),
    async (c) => {
      const { workspaceId, itemId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "inbox.manage");
      return c.json(toInboxItem(await markDone(c.var.db, c.var.access, itemId)), 200);
    },
  );
}
