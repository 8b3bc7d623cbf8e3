/** Segments: named rule sets (lib/email/segments.ts) with a live count of who they reach. */
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { auditEntry, auditIfChanged } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { segments, type Segment } from "../../../lib/db/schema";
import { audienceCondition, segmentRules, type SegmentRules } from "../../../lib/email/segments";
import { AppError, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import type { WorkspaceAccess } from "../types";
import { allow } from "./service";

export const segmentInput = z.object({
  name: z.string({ error: "is required" }).trim().min(1, "is required").max(100, "must be at most 100 characters"),
  rules: segmentRules,
});

export async function listSegments(db: Db, access: WorkspaceAccess): Promise<Segment[]> {
  allow(access, "subscribers.view");
  return db.select().from(segments).where(eq(segments.workspaceId, access.workspace.id)).orderBy(segments.name).all();
}

export async function getSegment(db: Db, access: WorkspaceAccess, id: string): Promise<Segment & { rules: SegmentRules }> {
  allow(access, "subscribers.view");
  const row = await db.select().from(segments).where(and(eq(segments.id, id), eq(segments.workspaceId, access.workspace.id))).get();
  if (!row) throw notFound("Segment not found");
  return { ...row, rules: segmentRules.parse(row.rules) };
}

export async function createSegment(db: Db, access: WorkspaceAccess, input: z.infer<typeof segmentInput>): Promise<Segment> {
  allow(access, "subscribers.manage");
  const taken = await db.select({ id: segments.id }).from(segments).where(and(eq(segments.workspaceId, access.workspace.id), eq(segments.name, input.name))).get();
  if (taken) throw new AppError(409, "name_taken", "A segment with this name exists.", { name: "a segment with this name exists" });
  const id = newId("seg");
  const [rows] = await db.batch([
    db.insert(segments).values({ id, workspaceId: access.workspace.id, name: input.name, rules: input.rules }).returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "segment.created", targetType: "segment", targetId: id }),
  ]);
  return rows[0]!;
}

export async function deleteSegment(db: Db, access: WorkspaceAccess, id: string): Promise<void> {
  allow(access, "subscribers.manage");
  const [rows] = await db.batch([
    db.delete(segments).where(and(eq(segments.id, id), eq(segments.workspaceId, access.workspace.id))).returning({ id: segments.id }),
    auditIfChanged(db, access.actor, { workspaceId: access.workspace.id, action: "segment.deleted", targetType: "segment", targetId: id }),
  ]);
  if (rows.length === 0) throw notFound("Segment not found");
}

/** How many subscribed, unsuppressed people an audience reaches right now. */
export async function countAudience(db: Db, access: WorkspaceAccess, audience: { listId?: string | null; rules?: SegmentRules | null }): Promise<number> {
  allow(access, "subscribers.view");
  const row = await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM subscribers s WHERE ${audienceCondition(access.workspace.id, audience)}`);
  return row.n;
}
