/** Sources and the items they found, under /api/v1. */
import { createRoute, z } from "@hono/zod-openapi";
import { SOURCE_KINDS, type Source, type SourceItem } from "../../../lib/db/schema";
import { parseInput } from "../../../lib/http/validate";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, isoOrNull, json, noContent, pathParam, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { workspaceTrends } from "../trends/service";
import { createSource, deleteSource, getSource, listSources, recentItems, runNow, setPaused, sourceInput } from "./service";

const sourceParams = workspaceParams.extend({ sourceId: pathParam("sourceId") });

const SourceSchema = z
  .object({
    id: z.string(),
    kind: z.enum(SOURCE_KINDS),
    name: z.string(),
    url: z.string(),
    query: z.string().nullable(),
    intervalMinutes: z.number().int(),
    paused: z.boolean(),
    health: z.object({ failures: z.number().int(), lastSuccessAt: timestamp.nullable(), lastError: z.string().nullable(), lastErrorAt: timestamp.nullable(), itemsFound: z.number().int(), nextRunAt: timestamp }),
  })
  .openapi("Source");
const toSource = (s: Source) => ({
  id: s.id,
  kind: s.kind,
  name: s.name,
  url: s.url,
  query: s.query,
  intervalMinutes: s.intervalMinutes,
  paused: s.paused,
  health: { failures: s.failures, lastSuccessAt: isoOrNull(s.lastSuccessAt), lastError: s.lastError, lastErrorAt: isoOrNull(s.lastErrorAt), itemsFound: s.itemsFound, nextRunAt: iso(s.nextRunAt) },
});
const ItemSchema = z
  .object({ id: z.string(), sourceId: z.string(), url: z.string(), canonicalUrl: z.string(), title: z.string(), author: z.string().nullable(), publishedAt: timestamp.nullable(), summary: z.string().nullable(), storyId: z.string() })
  .openapi("SourceItem");
const toItem = (i: SourceItem) => ({ id: i.id, sourceId: i.sourceId, url: i.url, canonicalUrl: i.canonicalUrl, title: i.title, author: i.author, publishedAt: isoOrNull(i.publishedAt), summary: i.summary, storyId: i.storyId });

const SourceInputDoc = z
  .object({
    kind: z.enum(SOURCE_KINDS),
    url: z.string().optional().openapi({ description: "For feed, page and sitemap" }),
    query: z.string().optional().openapi({ description: "Subreddit, Hacker News list, YouTube channel id or Google Trends country" }),
    name: z.string().optional(),
    intervalMinutes: z.number().int().optional(),
    needsJs: z.boolean().optional(),
  })
  .openapi("SourceInput");

export function sourceApi(api: Api) {
  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/sources", tags: ["Sources"], security, summary: "List sources with their health", request: { params: workspaceParams }, responses: { 200: json(z.object({ sources: z.array(SourceSchema) }), "Sources"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "sources.view");
      return c.json({ sources: (await listSources(c.var.db, c.var.access)).map(toSource) }, 200);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/v1/workspaces/{workspaceId}/sources", tags: ["Sources"], security, summary: "Add a source; it runs at the next cron tick", request: { params: workspaceParams, ...body(SourceInputDoc) }, responses: { 201: json(SourceSchema, "The source"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "sources.manage");
      const input = parseInput(sourceInput, c.req.valid("json"));
      return c.json(toSource(await createSource(c.var.db, c.var.access, input)), 201);
    },
  );

  api.openapi(
    createRoute({ method: "patch", path: "/v1/workspaces/{workspaceId}/sources/{sourceId}", tags: ["Sources"], security, summary: "Pause or resume a source", request: { params: sourceParams, ...body(z.object({ paused: z.boolean({ error: "must be true or false" }) })) }, responses: { 200: json(SourceSchema, "The source"), ...errors } }),
    async (c) => {
      const { workspaceId, sourceId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "sources.manage");
      return c.json(toSource(await setPaused(c.var.db, c.var.access, sourceId, c.req.valid("json").paused)), 200);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/v1/workspaces/{workspaceId}/sources/{sourceId}/runs", tags: ["Sources"], security, summary: "Run a source now", request: { params: sourceParams }, responses: { 202: json(z.object({ queued: z.literal(true) }), "Queued"), ...errors } }),
    async (c) => {
      const { workspaceId, sourceId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "sources.manage");
      await runNow(c.var.db, c.env.SCRAPE_QUEUE, c.var.access, sourceId);
      return c.json({ queued: true as const }, 202);
    },
  );

  api.openapi(
    createRoute({ method: "delete", path: "/v1/workspaces/{workspaceId}/sources/{sourceId}", tags: ["Sources"], security, summary: "Delete a source and its items", request: { params: sourceParams }, responses: { 204: { description: "Deleted" }, ...errors } }),
    async (c) => {
      const { workspaceId, sourceId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "sources.manage");
      await getSource(c.var.db, c.var.access, sourceId);
      await deleteSource(c.var.db, c.var.access, sourceId);
      return noContent();
    },
  );

  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/items", tags: ["Sources"], security, summary: "The latest items found by the workspace's sources", request: { params: workspaceParams, query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) }, responses: { 200: json(z.object({ items: z.array(ItemSchema) }), "Items, newest first"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "sources.view");
      return c.json({ items: (await recentItems(c.var.db, c.var.access, c.req.valid("query").limit)).map(toItem) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/trends",
      tags: ["Sources"],
      security,
      summary: "Topics of the last 48 hours, best first, with mentions per hour over the last 24",
      request: { params: workspaceParams },
      responses: {
        200: json(
          z.object({
            topics: z.array(z.object({ term: z.string(), score: z.number(), mentions: z.number().int(), sources: z.number().int(), velocity: z.number(), latest: timestamp, hourly: z.array(z.number().int()), itemIds: z.array(z.string()) })),
          }),
          "Topics",
        ),
        ...errors,
      },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "sources.view");
      const topics = await workspaceTrends(c.var.db, c.var.access);
      return c.json({ topics: topics.map((t) => ({ term: t.term, score: t.score, mentions: t.mentions, sources: t.sources, velocity: t.velocity, latest: iso(new Date(t.latest)), hourly: t.hourly, itemIds: t.items.map((i) => i.id) })) }, 200);
    },
  );
}
