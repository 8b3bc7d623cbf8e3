/**
 * Content items: create, read, list and search, save with revisions, restore. A save names the
 * version it started from; the whole save (revision, item, variants, their media, audit) is one D1
 * batch whose every statement is conditional on the revision row having been written, and that row
 * is only written if the item is still at the named version. Two people saving from the same version:
 * the second gets 409 with the first one's version, never a silent overwrite.
 */
import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { auditEntry } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import {
  auditLog,
  campaigns,
  content,
  contentEvents,
  contentRevisions,
  contentVariants,
  media,
  users,
  variantMedia,
  type Content,
  type ContentKind,
  type ContentRevision,
} from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { AppError, EditConflict, forbidden, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import type { WorkspaceAccess } from "../types";
import { validateVariants } from "./variants";
import type { ContentSave, NewContent, VariantInput } from "./inputs";

export type VariantView = { id: string; platform: string; text: string; title: string | null; link: string | null; mediaIds: string[]; thread: string[] };
export type ContentView = Content & { authorName: string; campaignName: string | null; variants: VariantView[] };

export async function getContent(db: Db, access: WorkspaceAccess, id: string): Promise<ContentView> {
  const row = await db
    .select({ item: content, authorName: users.name, campaignName: campaigns.name })
    .from(content)
    .innerJoin(users, eq(users.id, content.authorId))
    .leftJoin(campaigns, eq(campaigns.id, content.campaignId))
    .where(and(eq(content.id, id), eq(content.workspaceId, access.workspace.id)))
    .get();
  if (!row) throw notFound("Content not found");
  const variants = await db.select().from(contentVariants).where(eq(contentVariants.contentId, id)).orderBy(asc(contentVariants.platform)).all();
  const links = variants.length
    ? await db
        .select()
        .from(variantMedia)
        .where(inArray(variantMedia.variantId, variants.map((v) => v.id)))
        .orderBy(asc(variantMedia.position))
        .all()
    : [];
  return {
    ...row.item,
    authorName: row.authorName,
    campaignName: row.campaignName,
    variants: variants.map((v) => ({
      id: v.id,
      platform: v.platform,
      text: v.text,
      title: v.title,
      link: v.link,
      mediaIds: links.filter((l) => l.variantId === v.id).map((l) => l.mediaId),
      thread: v.thread,
    })),
  };
}

/** Campaign and media ids must belong to the workspace: an id from elsewhere is refused by name. */
async function checkReferences(db: Db, workspaceId: string, campaignId: string | null, variants: VariantInput[]): Promise<void> {
  if (campaignId) {
    const found = await db.select({ id: campaigns.id }).from(campaigns).where(and(eq(campaigns.id, campaignId), eq(campaigns.workspaceId, workspaceId))).get();
    if (!found) throw new AppError(422, "invalid_request", "campaignId: no such campaign in this workspace", { campaignId: "no such campaign in this workspace" });
  }
  const mediaIds = [...new Set(variants.flatMap((v) => v.mediaIds))];
  if (mediaIds.length) {
    const found = await db
      .select({ id: media.id })
      .from(media)
      .where(and(eq(media.workspaceId, workspaceId), inArray(media.id, mediaIds), eq(media.state, "ready")))
      .all();
    const missing = mediaIds.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) {
      throw new AppError(422, "invalid_request", `variants: unknown media ${missing.join(", ")}`, { variants: `unknown media ${missing.join(", ")}` });
    }
  }
}

function assertCanEdit(access: WorkspaceAccess): void {
  if (!can(access.role, "content.edit")) throw forbidden();
}

/** Statements that write the variants of an item; each runs only when `guard` holds. */
function variantStatements(db: Db, workspaceId: string, contentId: string, variants: VariantInput[], guard: SQL) {
  return variants.flatMap((v) => {
    const id = newId("var");
    return [
      db.insert(contentVariants).select(
        // Positional: in the schema's column order (id, workspace, content, platform, text, title, link, thread, created).
        sql`SELECT ${id}, ${workspaceId}, ${contentId}, ${v.platform}, ${v.text}, ${v.title}, ${v.link}, ${JSON.stringify(v.thread ?? [])}, ${Date.now()} WHERE ${guard}`,
      ),
      ...v.mediaIds.map((mediaId, position) =>
        db.insert(variantMedia).select(sql`SELECT ${id}, ${mediaId}, ${workspaceId}, ${position} WHERE ${guard}`),
      ),
    ];
  });
}

const snapshot = (input: { variants: VariantInput[] }) =>
  input.variants.map((v) => ({ platform: v.platform, text: v.text, title: v.title, link: v.link, mediaIds: v.mediaIds, thread: v.thread ?? [] }));

export async function createContent(db: Db, access: WorkspaceAccess, input: NewContent): Promise<ContentView> {
  assertCanEdit(access);
  validateVariants(input.variants);
  const { workspace, actor } = access;
  await checkReferences(db, workspace.id, input.campaignId, input.variants);
  const id = newId("cnt");
  const now = new Date();
  await db.batch([
    db.insert(content).values({
      id,
      workspaceId: workspace.id,
      kind: input.kind,
      title: input.title,
      body: input.body,
      tags: input.tags,
      campaignId: input.campaignId,
      brandVoice: input.brandVoice,
      authorId: actor.userId,
      updatedAt: now,
      updatedBy: actor.userId,
    }),
    db.insert(contentRevisions).values({
      id: newId("rev"),
      workspaceId: workspace.id,
      contentId: id,
      version: 1,
      title: input.title,
      body: input.body,
      tags: input.tags,
      variants: snapshot(input),
      authorId: actor.userId,
    }),
    ...variantStatements(db, workspace.id, id, input.variants, sql`1`),
    db.insert(contentEvents).values({ workspaceId: workspace.id, contentId: id, actorId: actor.userId, kind: "created", toStatus: "draft" }),
    auditEntry(db, actor, { workspaceId: workspace.id, action: "content.created", targetType: "content", targetId: id, detail: { kind: input.kind, title: input.title } }),
  ]);
  return getContent(db, access, id);
}

/**
 * Saves a new version. Refused with 409 (carrying the current version) when the item moved on since
 * `input.version`, and with 409 while it is publishing or published, when the text is final.
 */
export async function saveContent(db: Db, access: WorkspaceAccess, id: string, input: ContentSave): Promise<ContentView> {
  assertCanEdit(access);
  validateVariants(input.variants);
  const { workspace, actor } = access;
  const current = await getContent(db, access, id);
  if (current.status === "publishing" || current.status === "published") {
    throw new AppError(409, "not_editable", `This item is ${current.status}; its text can no longer change.`);
  }
  await checkReferences(db, workspace.id, input.campaignId, input.variants);
  const revisionId = newId("rev");
  const saved = sql`EXISTS (SELECT 1 FROM content_revisions WHERE id = ${revisionId})`;
  const now = Date.now();
  const [revision] = await db.batch([
    db
      .insert(contentRevisions)
      .select(
        sql`SELECT ${revisionId}, workspace_id, id, version + 1, ${input.title}, ${input.body}, ${JSON.stringify(input.tags)},
          ${JSON.stringify(snapshot(input))}, ${actor.userId}, ${now}
          FROM content WHERE id = ${id} AND workspace_id = ${workspace.id} AND version = ${input.version}
          AND status NOT IN ('publishing', 'published')`,
      )
      .returning({ version: contentRevisions.version }),
    db
      .update(content)
      .set({
        title: input.title,
        body: input.body,
        tags: input.tags,
        campaignId: input.campaignId,
        brandVoice: input.brandVoice,
        version: sql`version + 1`,
        updatedAt: new Date(now),
        updatedBy: actor.userId,
      })
      .where(and(eq(content.id, id), saved)),
    db.delete(contentVariants).where(and(eq(contentVariants.contentId, id), saved)),
    ...variantStatements(db, workspace.id, id, input.variants, saved),
    db.insert(auditLog).select(
      sql`SELECT NULL, ${workspace.id}, ${actor.userId}, ${actor.tokenId ?? null}, 'content.saved', 'content', ${id},
        ${JSON.stringify({ fromVersion: input.version })}, ${actor.ip ?? null}, ${now} WHERE ${saved}`,
    ),
  ]);
  if (revision.length === 0) {
    const latest = await getContent(db, access, id);
    throw new EditConflict(
      `Someone else saved this item (version ${latest.version}, by ${latest.updatedBy === actor.userId ? "you in another tab" : "another member"}) after you started editing version ${input.version}. Your changes were not saved: compare both versions and save again.`,
      latest,
    );
  }
  return getContent(db, access, id);
}

export function listRevisions(db: Db, access: WorkspaceAccess, contentId: string) {
  return db
    .select({ id: contentRevisions.id, version: contentRevisions.version, createdAt: contentRevisions.createdAt, authorName: users.name })
    .from(contentRevisions)
    .leftJoin(users, eq(users.id, contentRevisions.authorId))
    .where(and(eq(contentRevisions.contentId, contentId), eq(contentRevisions.workspaceId, access.workspace.id)))
    .orderBy(desc(contentRevisions.version))
    .all();
}

export async function getRevision(db: Db, access: WorkspaceAccess, contentId: string, version: number): Promise<ContentRevision> {
  const row = await db
    .select()
    .from(contentRevisions)
    .where(
      and(eq(contentRevisions.contentId, contentId), eq(contentRevisions.workspaceId, access.workspace.id), eq(contentRevisions.version, version)),
    )
    .get();
  if (!row) throw notFound(`Revision ${version} not found`);
  return row;
}

/** Restoring makes a new version with an old one's text; nothing in the history is lost. */
export async function restoreRevision(db: Db, access: WorkspaceAccess, contentId: string, version: number, basedOn: number): Promise<ContentView> {
  const revision = await getRevision(db, access, contentId, version);
  const current = await getContent(db, access, contentId);
  return saveContent(db, access, contentId, {
    version: basedOn,
    title: revision.title,
    body: revision.body,
    tags: revision.tags,
    campaignId: current.campaignId,
    brandVoice: current.brandVoice,
    // Revisions from before threads existed hold none.
    variants: revision.variants.map((v) => ({ ...v, thread: v.thread ?? [] })),
  });
}

export type ContentFilters = {
  q?: string | undefined;
  status?: string | undefined;
  kind?: ContentKind | undefined;
  tag?: string | undefined;
  campaignId?: string | undefined;
  authorId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
};

export type ContentListItem = Pick<Content, "id" | "kind" | "title" | "status" | "tags" | "version" | "updatedAt" | "scheduledAt" | "campaignId"> & {
  authorName: string;
};

/**
 * Words typed into the search box become an FTS5 query that matches items containing every word
 * (as a prefix), with each word quoted so FTS5 operators in user input are taken literally.
 */
export function ftsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}]+/gu)?.slice(0, 12) ?? [];
  return words.length ? words.map((w) => `"${w}"*`).join(" ") : null;
}

type Cursor = { updatedAt: number; id: string };
export const encodeCursor = (c: Cursor) => btoa(JSON.stringify([c.updatedAt, c.id])).replace(/=+$/, "");
function decodeCursor(cursor: string): Cursor {
  try {
    const [updatedAt, id] = JSON.parse(atob(cursor)) as [unknown, unknown];
    if (typeof updatedAt === "number" && typeof id === "string") return { updatedAt, id };
  } catch {
    // fall through to the 422 below
  }
  throw new AppError(422, "invalid_request", "cursor: is not a cursor this API gave out", { cursor: "is not a cursor this API gave out" });
}

/** Newest changes first, `limit` at a time; `nextCursor` continues where the page ended. */
export async function listContent(
  db: Db,
  access: WorkspaceAccess,
  filters: ContentFilters,
  cursor?: string,
  limit = 50,
): Promise<{ items: ContentListItem[]; nextCursor: string | null }> {
  const conditions: SQL[] = [eq(content.workspaceId, access.workspace.id)];
  if (filters.status) conditions.push(eq(content.status, filters.status));
  if (filters.kind) conditions.push(eq(content.kind, filters.kind));
  if (filters.campaignId) conditions.push(eq(content.campaignId, filters.campaignId));
  if (filters.authorId) conditions.push(eq(content.authorId, filters.authorId));
  if (filters.tag) conditions.push(sql`EXISTS (SELECT 1 FROM json_each(${content.tags}) WHERE value = ${filters.tag.toLowerCase()})`);
  if (filters.from) conditions.push(sql`${content.updatedAt} >= ${filters.from.getTime()}`);
  if (filters.to) conditions.push(sql`${content.updatedAt} < ${filters.to.getTime()}`);
  const match = filters.q ? ftsQuery(filters.q) : null;
  if (filters.q && !match) return { items: [], nextCursor: null };
  if (match) conditions.push(sql`${content}.rowid IN (SELECT rowid FROM content_fts WHERE content_fts MATCH ${match})`);
  if (cursor) {
    const c = decodeCursor(cursor);
    conditions.push(sql`(${content.updatedAt} < ${c.updatedAt} OR (${content.updatedAt} = ${c.updatedAt} AND ${content.id} < ${c.id}))`);
  }
  const rows = await db
    .select({
      id: content.id,
      kind: content.kind,
      title: content.title,
      status: content.status,
      tags: content.tags,
      version: content.version,
      updatedAt: content.updatedAt,
      scheduledAt: content.scheduledAt,
      campaignId: content.campaignId,
      authorName: users.name,
    })
    .from(content)
    .innerJoin(users, eq(users.id, content.authorId))
    .where(and(...conditions))
    .orderBy(desc(content.updatedAt), desc(content.id))
    .limit(limit + 1)
    .all();
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ updatedAt: last.updatedAt.getTime(), id: last.id }) : null };
}
