/**
 * Posting slots and the queue. Each account has weekly slots (weekday + wall-clock time in the
 * workspace's zone); "add to queue" schedules an approved item at the next slot none of its target
 * accounts has taken yet; "publish now" schedules it two seconds ahead (the scheduler fires at that
 * second). An account's queue is its publications waiting to go out, which can be reordered: moving
 * one up swaps its time with the one before it.
 */
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../../lib/db/client";
import { content, contentVariants, postingSlots, publications, socialAccounts, type PostingSlot } from "../../../lib/db/schema";
import { can, type Permission } from "../../../lib/domain/roles";
import { AppError, forbidden, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import { localToInstant, wallClock } from "../content/time";
import type { WorkspaceAccess } from "../types";
import { stamped, type PublishMessage } from "../../../lib/queues/messages";
import { log } from "../../../lib/log";

/** How far ahead "add to queue" looks for a free slot. */
const HORIZON_DAYS = 56;
const PENDING = ["scheduled", "waiting"] as const;

function allow(access: WorkspaceAccess, permission: Permission) {
  if (!can(access.role, permission)) throw forbidden();
}

export const slotInput = z.object({
  weekday: z.coerce.number({ error: "is required" }).int("must be a weekday from 1 (Monday) to 7 (Sunday)").min(1, "must be a weekday from 1 (Monday) to 7 (Sunday)").max(7, "must be a weekday from 1 (Monday) to 7 (Sunday)"),
  time: z.string({ error: "is required" }).trim().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time as HH:MM, for example 09:30"),
});
export type SlotInput = z.infer<typeof slotInput>;

async function accountOf(db: Db, access: WorkspaceAccess, accountId: string) {
  const account = await db.select().from(socialAccounts).where(and(eq(socialAccounts.id, accountId), eq(socialAccounts.workspaceId, access.workspace.id))).get();
  if (!account) throw notFound("Account not found");
  return account;
}

export async function slotsOf(db: Db, access: WorkspaceAccess, accountId: string): Promise<PostingSlot[]> {
  allow(access, "accounts.view");
  await accountOf(db, access, accountId);
  return db.select().from(postingSlots).where(and(eq(postingSlots.workspaceId, access.workspace.id), eq(postingSlots.accountId, accountId))).orderBy(asc(postingSlots.weekday), asc(postingSlots.time)).all();
}

/** Adding a slot that exists already changes nothing. */
export async function addSlot(db: Db, access: WorkspaceAccess, accountId: string, input: SlotInput): Promise<void> {
  allow(access, "accounts.manage");
  await accountOf(db, access, accountId);
  await db.insert(postingSlots).values({ id: newId("slt"), workspaceId: access.workspace.id, accountId, weekday: input.weekday, time: input.time }).onConflictDoNothing().run();
}

export async function removeSlot(db: Db, access: WorkspaceAccess, accountId: string, slotId: string): Promise<void> {
  allow(access, "accounts.manage");
  const removed = await db
    .delete(postingSlots)
    .where(and(eq(postingSlots.id, slotId), eq(postingSlots.accountId, accountId), eq(postingSlots.workspaceId, access.workspace.id)))
    .returning({ id: postingSlots.id })
    .get();
  if (!removed) throw notFound("Slot not found");
}

/**
 * The first slot instant after `now`, within the horizon, that is a slot of at least one of the
 * accounts and taken by none of them (no publication waiting at that minute). Wall-clock times are
 * turned into instants day by day in the zone, so DST changes keep 09:00 at 09:00; a slot time the
 * clocks skip that day is skipped.
 */
export async function nextFreeSlot(db: Db, workspaceId: string, zone: string, accountIds: string[], now = Date.now()): Promise<Date | null> {
  if (accountIds.length === 0) return null;
  const [slots, taken] = await Promise.all([
    db.select({ weekday: postingSlots.weekday, time: postingSlots.time }).from(postingSlots).where(and(eq(postingSlots.workspaceId, workspaceId), inArray(postingSlots.accountId, accountIds))).all(),
    db
      .select({ at: publications.scheduledAt })
      .from(publications)
      .where(and(eq(publications.workspaceId, workspaceId), inArray(publications.accountId, accountIds), inArray(publications.status, [...PENDING, "publishing", "unknown"]), gt(publications.scheduledAt, new Date(now))))
      .all(),
  ]);
  if (slots.length === 0) return null;
  const takenMinutes = new Set(taken.map((t) => Math.floor(t.at.getTime() / 60_000)));
  const byWeekday = new Map<number, string[]>();
  for (const slot of slots) byWeekday.set(slot.weekday, [...new Set([...(byWeekday.get(slot.weekday) ?? []), slot.time])].sort());
  const today = wallClock(now, zone);
  for (let day = 0; day <= HORIZON_DAYS; day++) {
    // Calendar arithmetic on the local date (noon UTC avoids any date-line surprise).
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + day, 12));
    const weekday = date.getUTCDay() === 0 ? 7 : date.getUTCDay();
    for (const time of byWeekday.get(weekday) ?? []) {
      let instant: Date;
      try {
        instant = localToInstant(`${date.toISOString().slice(0, 10)}T${time}`, zone);
      } catch {
        continue;
      }
      if (instant.getTime() <= now || takenMinutes.has(Math.floor(instant.getTime() / 60_000))) continue;
      return instant;
    }
  }
  return null;
}

/** When "add to queue" would schedule the item: refused, saying why, when there is no free slot. */
export async function queueTime(db: Db, access: WorkspaceAccess, contentId: string, now = Date.now()): Promise<Date> {
  const targets = await db
    .select({ id: socialAccounts.id })
    .from(contentVariants)
    .innerJoin(socialAccounts, and(eq(socialAccounts.workspaceId, contentVariants.workspaceId), eq(socialAccounts.platform, contentVariants.platform)))
    .where(and(eq(contentVariants.workspaceId, access.workspace.id), eq(contentVariants.contentId, contentId)))
    .all();
  if (targets.length === 0) throw new AppError(422, "no_accounts", "No connected account takes this item's platforms: connect one on the Accounts page first.");
  const at = await nextFreeSlot(db, access.workspace.id, access.workspace.timezone, [...new Set(targets.map((t) => t.id))], now);
  if (!at) throw new AppError(422, "no_free_slot", `No free posting slot in the next ${HORIZON_DAYS / 7} weeks on this item's accounts: add slots on the account's Queue page, or pick a time.`);
  return at;
}

export type QueueEntry = { id: string; contentId: string; title: string; scheduledAt: Date; status: string };

/** The account's publications waiting to go out, soonest first. */
export async function accountQueue(db: Db, access: WorkspaceAccess, accountId: string): Promise<QueueEntry[]> {
  allow(access, "accounts.view");
  await accountOf(db, access, accountId);
  return db
    .select({ id: publications.id, contentId: publications.contentId, title: content.title, scheduledAt: publications.scheduledAt, status: publications.status })
    .from(publications)
    .innerJoin(content, eq(content.id, publications.contentId))
    .where(and(eq(publications.workspaceId, access.workspace.id), eq(publications.accountId, accountId), inArray(publications.status, [...PENDING])))
    .orderBy(asc(publications.scheduledAt), asc(publications.id))
    .all();
}

/**
 * Moves a queued publication one place earlier or later by swapping its time with its neighbour's;
 * each item's calendar time follows its earliest waiting publication. Both are re-armed.
 */
export async function moveInQueue(db: Db, queue: Queue, access: WorkspaceAccess, accountId: string, publicationId: string, direction: "up" | "down"): Promise<void> {
  allow(access, "content.edit");
  const entries = await accountQueue(db, access, accountId);
  const at = entries.findIndex((e) => e.id === publicationId);
  if (at < 0) throw notFound("This publication is not waiting in this account's queue");
  const other = entries[direction === "up" ? at - 1 : at + 1];
  if (!other) throw new AppError(409, "queue_edge", direction === "up" ? "It is already first in the queue." : "It is already last in the queue.");
  const self = entries[at]!;
  const now = new Date();
  const guard = (id: string, scheduledAt: Date) => and(eq(publications.id, id), eq(publications.workspaceId, access.workspace.id), eq(publications.scheduledAt, scheduledAt), inArray(publications.status, [...PENDING]));
  const contentTime = (contentId: string) =>
    db
      .update(content)
      .set({ scheduledAt: sql`(SELECT MIN(scheduled_at) FROM publications WHERE content_id = ${contentId} AND status IN ('scheduled', 'waiting'))`, updatedAt: now })
      .where(and(eq(content.id, contentId), eq(content.workspaceId, access.workspace.id), eq(content.status, "scheduled")));
  const results = await db.batch([
    db.update(publications).set({ scheduledAt: other.scheduledAt, updatedAt: now }).where(guard(self.id, self.scheduledAt)).returning({ id: publications.id }),
    db.update(publications).set({ scheduledAt: self.scheduledAt, updatedAt: now }).where(guard(other.id, other.scheduledAt)).returning({ id: publications.id }),
    contentTime(self.contentId),
    contentTime(other.contentId),
  ]);
  if (results[0].length === 0 || results[1].length === 0) {
    // One of them went out or moved meanwhile: put back whichever did change.
    if (results[0].length) await db.update(publications).set({ scheduledAt: self.scheduledAt }).where(eq(publications.id, self.id)).run();
    if (results[1].length) await db.update(publications).set({ scheduledAt: other.scheduledAt }).where(eq(publications.id, other.id)).run();
    throw new AppError(409, "queue_changed", "The queue changed meanwhile; reload it and try again.");
  }
  try {
    await queue.sendBatch([self.id, other.id].map((id) => ({ body: stamped({ type: "publication.arm", publicationId: id } satisfies PublishMessage) })));
  } catch (err) {
    log.error("arm_send_failed", { publicationIds: [self.id, other.id], error: err });
  }
}

/**
 * "queue" (the next free slot) and "publish_now" (two seconds ahead) are two ways of choosing a
 * schedule's time; both become the workflow's `schedule` action, with its checks.
 */
export async function chooseScheduleTime<T extends { action: string; scheduledAt?: Date | undefined }>(db: Db, access: WorkspaceAccess, contentId: string, input: T): Promise<T> {
  if (input.action !== "queue" && input.action !== "publish_now") return input;
  const item = await db.select({ id: content.id }).from(content).where(and(eq(content.id, contentId), eq(content.workspaceId, access.workspace.id))).get();
  if (!item) throw notFound("Content not found");
  const scheduledAt = input.action === "queue" ? await queueTime(db, access, contentId) : new Date(Date.now() + 2_000);
  return { ...input, action: "schedule", scheduledAt };
}
