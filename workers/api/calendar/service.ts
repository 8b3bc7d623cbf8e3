/**
 * The calendar: scheduled and published content laid out on the workspace's wall clock, and
 * rescheduling by moving an item to another day (keeping its time of day in the workspace's zone).
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../../lib/db/client";
import { auditLog, content, contentEvents } from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { AppError, forbidden, notFound } from "../../../lib/http/errors";
import type { WorkspaceAccess } from "../types";
import { formatLocal, localToInstant } from "../content/time";
import { armPublications, publicationsMove } from "../publications/service";

export type CalendarItem = { id: string; title: string; kind: string; status: string; at: Date; local: string };

/** Items whose scheduled (or published) instant falls in [from, to). */
export async function calendarItems(db: Db, access: WorkspaceAccess, from: Date, to: Date): Promise<CalendarItem[]> {
  const at = sql<number>`COALESCE(${content.publishedAt}, ${content.scheduledAt})`;
  const rows = await db
    .select({ id: content.id, title: content.title, kind: content.kind, status: content.status, at })
    .from(content)
    .where(
      and(
        eq(content.workspaceId, access.workspace.id),
        inArray(content.status, ["scheduled", "publishing", "published", "failed"]),
        sql`${at} >= ${from.getTime()} AND ${at} < ${to.getTime()}`,
      ),
    )
    .orderBy(at)
    .all();
  return rows.map((r) => ({ ...r, at: new Date(r.at), local: formatLocal(r.at, access.workspace.timezone) }));
}

/**
 * Moves a scheduled item to `day` (YYYY-MM-DD) at the same wall-clock time in the workspace's zone,
 * so 09:00 stays 09:00 across a daylight-saving change. Only scheduled items move; the move is
 * audited and shown on the item's timeline.
 */
export async function reschedule(db: Db, publishQueue: Queue, access: WorkspaceAccess, contentId: string, day: string, time?: string): Promise<Date> {
  if (!can(access.role, "content.edit")) throw forbidden();
  const { workspace, actor } = access;
  const item = await db
    .select({ status: content.status, scheduledAt: content.scheduledAt })
    .from(content)
    .where(and(eq(content.id, contentId), eq(content.workspaceId, workspace.id)))
    .get();
  if (!item) throw notFound("Content not found");
  if (item.status !== "scheduled" || !item.scheduledAt) {
    throw new AppError(409, "not_scheduled", "Only scheduled items can be moved on the calendar.");
  }
  const clock = time ?? formatLocal(item.scheduledAt.getTime(), workspace.timezone).slice(11);
  const instant = localToInstant(`${day}T${clock}`, workspace.timezone);
  if (instant.getTime() <= Date.now()) throw new AppError(422, "invalid_request", "date: the new time must be in the future", { date: "must be in the future" });
  const now = Date.now();
  const detail = JSON.stringify({ from: item.scheduledAt.toISOString(), to: instant.toISOString(), zone: workspace.timezone });
  const [moved] = await db.batch([
    db
      .update(content)
      .set({ scheduledAt: instant, scheduledZone: workspace.timezone, updatedAt: new Date(now) })
      .where(and(eq(content.id, contentId), eq(content.workspaceId, workspace.id), eq(content.status, "scheduled")))
      .returning({ id: content.id }),
    db.insert(contentEvents).select(
      sql`SELECT NULL, ${workspace.id}, ${contentId}, ${actor.userId}, 'rescheduled', 'scheduled', 'scheduled', ${`Moved to ${day} ${clock} (${workspace.timezone})`}, ${now} WHERE changes() > 0`,
    ),
    db.insert(auditLog).select(
      sql`SELECT NULL, ${workspace.id}, ${actor.userId}, ${actor.tokenId ?? null}, 'content.rescheduled', 'content', ${contentId}, ${detail}, ${actor.ip ?? null}, ${now} WHERE changes() > 0`,
    ),
    publicationsMove(db, workspace.id, contentId, instant, workspace.timezone, now),
  ]);
  if (moved.length === 0) throw new AppError(409, "not_scheduled", "This item stopped being scheduled just now. Reload the calendar.");
  await armPublications(db, publishQueue, workspace.id, contentId);
  return instant;
}
