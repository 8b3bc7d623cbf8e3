/** Content under /api/v1: the same service functions as the UI. */
import { createRoute, z } from "@hono/zod-openapi";

import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, isoOrNull, json, pathParam, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { parseInput } from "../../../lib/http/validate";
import { listFilters } from "./filters";
import { contentSave, newContent } from "./inputs";
import { createContent, getContent, getRevision, listContent, listRevisions, restoreRevision, saveContent, type ContentView } from "./service";
import { timeline, transitionContent, addComment } from "./workflow";
import { chooseScheduleTime } from "../publications/slots";
import { revisionText } from "./history";
import { diffWords } from "../../../lib/content/diff";

const contentParams = workspaceParams.extend({ contentId: pathParam("contentId") });

const VariantSchema = z
  .object({
    platform: z.string(),
    text: z.string(),
    title: z.string().nullable(),
    link: z.string().nullable(),
    mediaIds: z.array(z.string()),
    thread: z.array(z.string()).openapi({ description: "The posts after the first, published as a chain of replies (x, bluesky, threads, mastodon only)" }),
  })
  .openapi("Variant");

export const ContentSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["article", "newsletter", "post"]),
    title: z.string(),
    body: z.string(),
    tags: z.array(z.string()),
    campaignId: z.string().nullable(),
    brandVoice: z.string().nullable(),
    status: z.string(),
    version: z.number().int(),
    authorId: z.string(),
    authorName: z.string(),
    scheduledAt: timestamp.nullable(),
    scheduledZone: z.string().nullable(),
    publishedAt: timestamp.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    variants: z.array(VariantSchema),
  })
  .openapi("Content");

export const toContent = (c: ContentView) => ({
  id: c.id,
  kind: c.kind,
  title: c.title,
  body: c.body,
  tags: c.tags,
  campaignId: c.campaignId,
  brandVoice: c.brandVoice,
  status: c.status,
  version: c.version,
  authorId: c.authorId,
  authorName: c.authorName,
  scheduledAt: isoOrNull(c.scheduledAt),
  scheduledZone: c.scheduledZone,
  publishedAt: isoOrNull(c.publishedAt),
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
  variants: c.variants.map((v) => ({ platform: v.platform, text: v.text, title: v.title, link: v.link, mediaIds: v.mediaIds, thread: v.thread })),
});

const ContentSummarySchema = z
  .object({ id: z.string(), kind: z.string(), title: z.string(), status: z.string(), tags: z.array(z.string()), version: z.number().int(), authorName: z.string(), updatedAt: timestamp, scheduledAt: timestamp.nullable() })
  .openapi("ContentSummary");

const conflict = {
  409: {
    description: "Saved over a newer version (`error.current` holds it), or an illegal transition (the message lists the allowed ones)",
    content: { "application/json": { schema: z.object({ error: z.object({ code: z.string(), message: z.string(), current: ContentSchema.optional() }) }) } },
  },
};

const transitionInput = z.object({
  action: z.string().openapi({ example: "submit", description: "submit, approve, request_changes, resubmit, schedule (with scheduledAt), queue (the next free posting slot), publish_now, unschedule, retry, archive, restore, …" }),
  comment: z.string().max(2000).optional(),
  scheduledAt: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time with a zone, e.g. 2026-12-01T09:00:00+01:00" }).optional(),
});

export function contentApi(api: Api) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/content",
      tags: ["Content"],
      security,
      summary: "List and search content (full text over title and body), newest change first",
      request: {
        params: workspaceParams,
        query: z.object({
          q: z.string().optional().openapi({ description: "Words that must all appear in the title or body (prefix match)" }),
          status: z.string().optional(),
          kind: z.string().optional(),
          tag: z.string().optional(),
          campaignId: z.string().optional(),
          authorId: z.string().optional(),
          from: z.string().optional().openapi({ description: "Updated on or after this day (YYYY-MM-DD, UTC)" }),
          to: z.string().optional().openapi({ description: "Updated on or before this day (YYYY-MM-DD, UTC)" }),
          cursor: z.string().optional().openapi({ description: "`nextCursor` of the previous page" }),
          limit: z.string().optional().openapi({ description: "1–200, default 50" }),
        }),
      },
      responses: { 200: json(z.object({ items: z.array(ContentSummarySchema), nextCursor: z.string().nullable() }), "A page of items"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "content.view");
      const filters = parseInput(listFilters, c.req.query());
      const page = await listContent(c.var.db, c.var.access, filters, filters.cursor, filters.limit ?? 50);
      return c.json(
        {
          items: page.items.map((i) => ({ ...i, updatedAt: iso(i.updatedAt), scheduledAt: isoOrNull(i.scheduledAt) })),
          nextCursor: page.nextCursor,
        },
        200,
      );
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/content",
      tags: ["Content"],
      security,
      summary: "Create a draft",
      request: { params: workspaceParams, ...body(newContent) },
      responses: { 201: json(ContentSchema, "The new draft (version 1)"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "content.edit");
      return c.json(toContent(await createContent(c.var.db, c.var.access, c.req.valid("json"))), 201);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/content/{contentId}",
      tags: ["Content"],
      security,
      summary: "Get an item with its variants",
      request: { params: contentParams },
      responses: { 200: json(ContentSchema, "The item"), ...errors },
    }),
    async (c) => {
      const { workspaceId, contentId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "content.view");
      return c.json(toContent(await getContent(c.var.db, c.var.access, contentId)), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "put",
      path: "/v1/workspaces/{workspaceId}/content/{contentId}",
      tags: ["Content"],
      security,
      summary: "Save a new version; `version` must be the version you edited",
      request: { params: contentParams, ...body(contentSave) },
      responses: { 200: json(ContentSchema, "The saved item"), ...errors, ...conflict },
    }),
    async (c) => {
      const { workspaceId, contentId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "content.edit");
      return c.json(toContent(await saveContent(c.var.db, c.var.access, contentId, c.req.valid("json"))), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/content/{contentId}/transitions",
      tags: ["Content"],
      security,
      summary: "Move an item through the workflow (audited, shown on its timeline)",
      request: { params: contentParams, ...body(transitionInput) },
      responses: { 200: json(ContentSchema, "The item in its new state"), ...errors, ...conflict },
    }),
    async (c) => {
      const { workspaceId, contentId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      // Every transition needs at least content.edit (and a write token); the workflow narrows further.
      authorize(c, "content.edit");
      const input = c.req.valid("json");
      const transition = await chooseScheduleTime(c.var.db, c.var.access, contentId, {
        action: input.action,
        comment: input.comment,
        scheduledAt: input.scheduledAt ? new Date(input.scheduledAt) : undefined,
      });
      const item = await transitionContent(c.var.db, c.var.access, contentId, transition, c.env.PUBLISH_QUEUE);
      return c.json(toContent(item), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/content/{contentId}/timeline",
      tags: ["Content"],
      security,
      summary: "Transitions and comments, oldest first",
      request: { params: contentParams },
      responses: {
        200: json(
          z.object({
            entries: z.array(z.object({ kind: z.string(), fromStatus: z.string().nullable(), toStatus: z.string().nullable(), body: z.string().nullable(), actorName: z.string().nullable(), createdAt: timestamp })),
          }),
          "The timeline",
        ),
        ...errors,
      },
    }),
    async (c) => {
      const { workspaceId, contentId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "content.view");
      await getContent(c.var.db, c.var.access, contentId);
      const entries = await timeline(c.var.db, c.var.access, contentId);
      return c.json({ entries: entries.map(({ id: _, ...e }) => ({ ...e, createdAt: iso(e.createdAt) })) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/content/{contentId}/comments",
      tags: ["Content"],
      security,
      summary: "Comment; @mentions of members notify them",
      request: { params: contentParams, ...body(z.object({ body: z.string().trim().min(1, "is required").max(5000) })) },
      responses: { 201: json(z.object({ ok: z.literal(true) }), "Commented"), ...errors },
    }),
    async (c) => {
      const { workspaceId, contentId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "content.comment");
      await addComment(c.var.db, c.var.access, contentId, c.req.valid("json").body);
      return c.json({ ok: true as const }, 201);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/content/{contentId}/revisions",
      tags: ["Content"],
      security,
      summary: "Revisions, newest first; `?a=&b=` adds the word diff between two versions",
      request: { params: contentParams, query: z.object({ a: z.coerce.number().int().positive().optional(), b: z.coerce.number().int().positive().optional() }) },
      responses: {
        200: json(
          z.object({
            revisions: z.array(z.object({ version: z.number().int(), createdAt: timestamp, authorName: z.string().nullable() })),
            diff: z.array(z.object({ op: z.enum(["equal", "insert", "delete"]), text: z.string() })).optional(),
          }),
          "Revisions",
        ),
        ...errors,
      },
    }),
    async (c) => {
      const { workspaceId, contentId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "content.view");
      await getContent(c.var.db, c.var.access, contentId);
      const { a, b } = c.req.valid("query");
      const revisions = (await listRevisions(c.var.db, c.var.access, contentId)).map((r) => ({ version: r.version, createdAt: iso(r.createdAt), authorName: r.authorName }));
      if (a && b) {
        const [older, newer] = await Promise.all([getRevision(c.var.db, c.var.access, contentId, a), getRevision(c.var.db, c.var.access, contentId, b)]);
        return c.json({ revisions, diff: diffWords(revisionText(older), revisionText(newer)) }, 200);
      }
      return c.json({ revisions }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/content/{contentId}/revisions/{version}/restore",
      tags: ["Content"],
      security,
      summary: "Restore a revision as a new version",
      request: {
        params: contentParams.extend({ version: z.coerce.number().int().positive().openapi({ param: { name: "version", in: "path" } }) }),
        ...body(z.object({ basedOn: z.number().int().positive().openapi({ description: "The current version you saw" }) })),
      },
      responses: { 200: json(ContentSchema, "The item with the restored text"), ...errors, ...conflict },
    }),
    async (c) => {
      const { workspaceId, contentId, version } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "content.edit");
      return c.json(toContent(await restoreRevision(c.var.db, c.var.access, contentId, version, c.req.valid("json").basedOn)), 200);
    },
  );
}

