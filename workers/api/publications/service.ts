/**
 * Publications follow the content workflow: scheduling an item creates one publication per variant
 * and connected account of that variant's platform; unscheduling cancels those not yet out; a retry
 * puts failed ones back; moving the item on the calendar moves them. Each change is a statement in
 * the same D1 batch as the transition, guarded by the item's new state, so both happen or neither.
 * The publisher is then told (a `publish` queue message per publication) to arm the account's
 * scheduler; its minute sweep does the same for anything a lost message missed.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../../lib/db/client";
import { content, publications, socialAccounts } from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { forbidden } from "../../../lib/http/errors";
import { stamped, type PublishMessage } from "../../../lib/queues/messages";
import { log } from "../../../lib/log";
import type { WorkspaceAccess } from "../types";

/** True only if the guarded change earlier in the same batch did happen (it set updated_at to `now`). */
const contentChanged = (workspaceId: string, contentId: string, status: string, now: number) =>
  sql`EXISTS (SELECT 1 FROM content WHERE id = ${contentId} AND workspace_id = ${workspaceId} AND status = ${status} AND updated_at = ${now})`;

/** The statement that moves the item's publications along with a workflow action, if it has one. */
export function publicationsFollow(db: Db, workspaceId: string, contentId: string, action: string, now: number) {
  const movedTo = (status: string) => contentChanged(workspaceId, contentId, status, now);
  switch (action) {
    case "schedule":
      // Every column of publications, in the schema's order (a column added there needs its value here).
      return db.insert(publications).select(
        sql`SELECT 'pub_' || lower(hex(randomblob(10))), ${workspaceId}, c.id, v.id, a.id, c.scheduled_at, c.scheduled_zone, 'scheduled',
              lower(hex(randomblob(16))), 0, NULL, NULL, NULL, NULL, NULL, ${now}, ${now}, NULL, NULL, NULL
            FROM content c
            JOIN content_variants v ON v.content_id = c.id
            JOIN social_accounts a ON a.workspace_id = c.workspace_id AND a.platform = v.platform
            WHERE c.id = ${contentId} AND ${movedTo("scheduled")}`,
      );
    case "unschedule":
      return db
        .update(publications)
        .set({ status: "cancelled", updatedAt: new Date(now) })
        .where(and(eq(publications.contentId, contentId), inArray(publications.status, ["scheduled", "waiting"]), movedTo("approved")));
    case "retry":
      // The earlier error stays: the next attempt looks for the post before creating it.
      return db
        .update(publications)
        .set({ status: "scheduled", scheduledAt: new Date(now), attempts: 0, waitingUntil: null, updatedAt: new Date(now) })
        .where(and(eq(publications.contentId, contentId), eq(publications.status, "failed"), movedTo("scheduled")));
    default:
      return null;
  }
}

/** After the item moved on the calendar (in the same batch): its publications not yet out move with it. */
export function publicationsMove(db: Db, workspaceId: string, contentId: string, instant: Date, zone: string, now: number) {
  return db
    .update(publications)
    .set({ scheduledAt: instant, scheduledZone: zone, updatedAt: new Date(now) })
    .where(and(eq(publications.workspaceId, workspaceId), eq(publications.contentId, contentId), inArray(publications.status, ["scheduled", "waiting"]), contentChanged(workspaceId, contentId, "scheduled", now)));
}

/** Tells the publisher to arm the schedulers of the item's publications that wait to go out. */
export async function armPublications(db: Db, queue: Queue, workspaceId: string, contentId: string): Promise<void> {
  const waiting = await db
    .select({ id: publications.id })
    .from(publications)
    .where(and(eq(publications.workspaceId, workspaceId), eq(publications.contentId, contentId), inArray(publications.status, ["scheduled", "waiting"])))
    .all();
  if (waiting.length === 0) return;
  try {
    await queue.sendBatch(waiting.map((p) => ({ body: stamped({ type: "publication.arm", publicationId: p.id } satisfies PublishMessage) })));
  } catch (err) {
    // Not lost: the publisher's minute sweep arms whatever is due in the next ten minutes.
    log.error("arm_send_failed", { contentId, error: err });
  }
}

export type PublicationView = {
  id: string;
  platform: string;
  handle: string;
  scheduledAt: Date;
  scheduledZone: string;
  status: string;
  attempts: number;
  waitingUntil: Date | null;
  externalUrl: string | null;
  lastError: string | null;
  publishedAt: Date | null;
};

export async function publicationsOf(db: Db, access: WorkspaceAccess, contentId: string): Promise<PublicationView[]> {
  if (!can(access.role, "accounts.view")) throw forbidden();
  return db
    .select({
      id: publications.id,
      platform: socialAccounts.platform,
      handle: socialAccounts.handle,
      scheduledAt: publications.scheduledAt,
      scheduledZone: publications.scheduledZone,
      status: publications.status,
      attempts: publications.attempts,
      waitingUntil: publications.waitingUntil,
      externalUrl: publications.externalUrl,
      lastError: publications.lastError,
      publishedAt: publications.publishedAt,
    })
    .from(publications)
    .innerJoin(socialAccounts, eq(socialAccounts.id, publications.accountId))
    .where(and(eq(publications.workspaceId, access.workspace.id), eq(publications.contentId, contentId)))
    .orderBy(desc(publications.createdAt))
    .all();
}

/** Publications that failed for good, newest first: the workspace's dead letters. */
export type FailedPublication = { id: string; contentId: string; title: string; contentStatus: string; platform: string; handle: string; attempts: number; lastError: string | null; updatedAt: Date };

export async function failedPublications(db: Db, access: WorkspaceAccess, limit = 200): Promise<FailedPublication[]> {
  if (!can(access.role, "accounts.view")) throw forbidden();
  return db
    .select({
      id: publications.id,
      contentId: publications.contentId,
      title: content.title,
      contentStatus: content.status,
      platform: socialAccounts.platform,
      handle: socialAccounts.handle,
      attempts: publications.attempts,
      lastError: publications.lastError,
      updatedAt: publications.updatedAt,
    })
    .from(publications)
    .innerJoin(content, eq(content.id, publications.contentId))
    .innerJoin(socialAccounts, eq(socialAccounts.id, publications.accountId))
    .where(and(eq(publications.workspaceId, access.workspace.id), eq(publications.status, "failed")))
    .orderBy(desc(publications.updatedAt))
    .limit(limit)
    .all();
}
