/**
 * Sources a workspace listens to. Each kind turns its input (a URL, a subreddit, a Hacker News list,
 * a country) into the URL the scraper fetches; URLs pointing at private or internal hosts are refused
 * here already (the scraper checks again, after DNS and on every redirect).
 */
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { auditEntry, auditIfChanged } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { sourceItems, sources, SOURCE_KINDS, type Source, type SourceItem } from "../../../lib/db/schema";
import { refusedHost } from "../../../lib/http/address";
import { can, type Permission } from "../../../lib/domain/roles";
import { AppError, forbidden, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import { stamped, type ScrapeMessage } from "../../../lib/queues/messages";
import type { WorkspaceAccess } from "../types";

const publicUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .refine((raw) => URL.canParse(raw) && refusedHost(new URL(raw)) === null, "must point at a public host, not a private or internal address");

export const sourceInput = z
  .object({
    kind: z.enum(SOURCE_KINDS, { error: `must be one of ${SOURCE_KINDS.join(", ")}` }),
    name: z.string().trim().max(120, "must be at most 120 characters").optional(),
    url: z.string().trim().optional(),
    query: z.string().trim().max(100, "must be at most 100 characters").optional(),
    intervalMinutes: z.coerce.number({ error: "must be a number" }).int().min(15, "must be at least 15 minutes").max(7 * 24 * 60, "must be at most a week").default(60),
    needsJs: z.union([z.boolean(), z.enum(["on", "off"]).transform((v) => v === "on")]).default(false),
  })
  .transform((input, ctx) => {
    if (input.needsJs && input.kind !== "page" && input.kind !== "sitemap") {
      ctx.addIssue({ code: "custom", path: ["needsJs"], message: "applies only to web pages and sitemaps; feeds and APIs are read without a browser" });
      return z.NEVER;
    }
    const resolved = resolveSource(input);
    if ("problem" in resolved) {
      ctx.addIssue({ code: "custom", path: [resolved.field], message: resolved.problem });
      return z.NEVER;
    }
    return { ...input, ...resolved };
  });
export type SourceInput = z.infer<typeof sourceInput>;

type Resolved = { url: string; query: string | null; name: string } | { field: string; problem: string };

function resolveSource(input: { kind: (typeof SOURCE_KINDS)[number]; url?: string | undefined; query?: string | undefined; name?: string | undefined }): Resolved {
  const q = input.query?.trim() ?? "";
  switch (input.kind) {
    case "feed":
    case "page":
    case "sitemap": {
      const checked = publicUrl.safeParse(input.url ?? "");
      if (!checked.success) return { field: "url", problem: checked.error.issues[0]!.message };
      return { url: checked.data, query: null, name: input.name || new URL(checked.data).host };
    }
    case "reddit": {
      const sub = q.replace(/^\/?r\//, "");
      if (!/^\w{2,21}$/.test(sub)) return { field: "query", problem: "must be a subreddit name, for example selfhosted" };
      return { url: `https://www.reddit.com/r/${sub}/new.json?limit=50`, query: sub, name: input.name || `r/${sub}` };
    }
    case "hackernews": {
      const list = q || "top";
      if (!["top", "new", "best", "ask", "show"].includes(list)) return { field: "query", problem: "must be top, new, best, ask or show" };
      return { url: `https://hacker-news.firebaseio.com/v0/${list}stories.json`, query: list, name: input.name || `Hacker News ${list}` };
    }
    case "youtube": {
      if (!/^UC[\w-]{22}$/.test(q)) return { field: "query", problem: "must be a YouTube channel id (UC followed by 22 characters)" };
      return { url: `https://www.youtube.com/feeds/videos.xml?channel_id=${q}`, query: q, name: input.name || `YouTube ${q}` };
    }
    case "google_trends": {
      const geo = (q || "US").toUpperCase();
      if (!/^[A-Z]{2}$/.test(geo)) return { field: "query", problem: "must be a two-letter country code, for example FR" };
      return { url: `https://trends.google.com/trending/rss?geo=${geo}`, query: geo, name: input.name || `Google Trends ${geo}` };
    }
  }
}

function allow(access: WorkspaceAccess, permission: Permission) {
  if (!can(access.role, permission)) throw forbidden();
}

export function listSources(db: Db, access: WorkspaceAccess): Promise<Source[]> {
  allow(access, "sources.view");
  return db.select().from(sources).where(eq(sources.workspaceId, access.workspace.id)).orderBy(sources.name).all();
}

export async function getSource(db: Db, access: WorkspaceAccess, id: string): Promise<Source> {
  allow(access, "sources.view");
  const row = await db.select().from(sources).where(and(eq(sources.id, id), eq(sources.workspaceId, access.workspace.id))).get();
  if (!row) throw notFound("Source not found");
  return row;
}

export async function createSource(db: Db, access: WorkspaceAccess, input: SourceInput): Promise<Source> {
  allow(access, "sources.manage");
  const id = newId("src");
  const [rows] = await db.batch([
    db
      .insert(sources)
      .values({
        id,
        workspaceId: access.workspace.id,
        kind: input.kind,
        name: input.name,
        url: input.url,
        query: input.query,
        needsJs: input.needsJs,
        intervalMinutes: input.intervalMinutes,
        nextRunAt: new Date(),
        createdBy: access.actor.userId,
      })
      .returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "source.created", targetType: "source", targetId: id, detail: { kind: input.kind, url: input.url } }),
  ]);
  return rows[0]!;
}

/** Pausing stops runs; resuming runs it at the next cron tick and forgives past failures. */
export async function setPaused(db: Db, access: WorkspaceAccess, id: string, paused: boolean): Promise<Source> {
  allow(access, "sources.manage");
  const [rows] = await db.batch([
    db
      .update(sources)
      .set(paused ? { paused } : { paused, failures: 0, nextRunAt: new Date() })
      .where(and(eq(sources.id, id), eq(sources.workspaceId, access.workspace.id)))
      .returning(),
    auditIfChanged(db, access.actor, { workspaceId: access.workspace.id, action: paused ? "source.paused" : "source.resumed", targetType: "source", targetId: id }),
  ]);
  if (!rows[0]) throw notFound("Source not found");
  return rows[0];
}

/** Runs the source now: on the queue at once, whatever its schedule says. */
export async function runNow(db: Db, queue: Queue, access: WorkspaceAccess, id: string): Promise<void> {
  allow(access, "sources.manage");
  const source = await getSource(db, access, id);
  if (source.paused) throw new AppError(409, "source_paused", "This source is paused; resume it first.");
  await queue.send(stamped({ type: "scrape", sourceId: id } satisfies ScrapeMessage));
}

export async function deleteSource(db: Db, access: WorkspaceAccess, id: string): Promise<void> {
  allow(access, "sources.manage");
  const [rows] = await db.batch([
    db.delete(sources).where(and(eq(sources.id, id), eq(sources.workspaceId, access.workspace.id))).returning({ id: sources.id }),
    auditIfChanged(db, access.actor, { workspaceId: access.workspace.id, action: "source.deleted", targetType: "source", targetId: id }),
  ]);
  if (rows.length === 0) throw notFound("Source not found");
}

export function recentItems(db: Db, access: WorkspaceAccess, limit = 50): Promise<SourceItem[]> {
  allow(access, "sources.view");
  return db.select().from(sourceItems).where(eq(sourceItems.workspaceId, access.workspace.id)).orderBy(desc(sourceItems.createdAt)).limit(limit).all();
}
