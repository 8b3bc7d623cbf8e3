/**
 * The inbox: comments on the workspace's posts and mentions of its accounts, as the platforms' (and
 * the generic endpoint's) webhooks delivered them (workers/api/webhooks-in). Open items newest first;
 * "done" ones on their own tab, most recently done first. The UI and the REST API both call these.
 */
import { and, desc, eq, isNotNull, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../../lib/db/client";
import { inboxItems, publications, socialAccounts, type InboxItem } from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { forbidden, notFound } from "../../../lib/http/errors";
import type { WorkspaceAccess } from "../types";

export const INBOX_PAGE_SIZE = 25;

export const inboxFilter = z.object({
  status: z.enum(["open", "done"], { error: "must be open or done" }).default("open"),
  platform: z
    .string()
    .regex(/^[a-z]{1,20}$/, "must be a platform id")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  page: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be 1 or more").max(10_000).default(1),
});
export type InboxFilter = z.infer<typeof inboxFilter>;

export type InboxRow = InboxItem & { accountHandle: string | null; contentId: string | null; publicationUrl: string | null };

function rows(db: Db) {
  return db
    .select({ item: inboxItems, accountHandle: socialAccounts.handle, contentId: publications.contentId, publicationUrl: publications.externalUrl })
    .from(inboxItems)
    .leftJoin(socialAccounts, eq(socialAccounts.id, inboxItems.accountId))
    .leftJoin(publications, eq(publications.id, inboxItems.publicationId));
}

const flatten = (r: { item: InboxItem; accountHandle: string | null; contentId: string | null; publicationUrl: string | null }): InboxRow => ({
  ...r.item,
  accountHandle: r.accountHandle,
  contentId: r.contentId,
  publicationUrl: r.publicationUrl,
});

export async function inboxPage(db: Db, access: WorkspaceAccess, filter: InboxFilter, limit = INBOX_PAGE_SIZE): Promise<{ items: InboxRow[]; hasMore: boolean }> {
  if (!can(access.role, "inbox.view")) throw forbidden();
  const open = filter.status === "open";
  const found = await rows(db)
    .where(
      and(
        eq(inboxItems.workspaceId, access.workspace.id),
        open ? isNull(inboxItems.doneAt) : isNotNull(inboxItems.doneAt),
        filter.platform ? eq(inboxItems.platform, filter.platform) : undefined,
      ),
    )
    .orderBy(open ? desc(inboxItems.occurredAt) : desc(inboxItems.doneAt), desc(inboxItems.id))
    .limit(limit + 1)
    .offset((filter.page - 1) * limit)
    .all();
  return { items: found.slice(0, limit).map(flatten), hasMore: found.length > limit };
}

/** Marks an item done (once: marking it again keeps the first instant and who). */
export async function markDone(db: Db, access: WorkspaceAccess, itemId: string): Promise<InboxRow> {
  if (!can(access.role, "inbox.manage")) throw forbidden();
  const scope = and(eq(inboxItems.id, itemId), eq(inboxItems.workspaceId, access.workspace.id));
  await db
    .update(inboxItems)
    .set({ doneAt: new Date(), doneBy: access.actor.userId })
    .where(and(scope, isNull(inboxItems.doneAt)));
  const row = await rows(db).where(scope).get();
  if (!row) throw notFound("No such inbox item in this workspace.");
  return flatten(row);
}
