import { and, desc, eq, lt } from "drizzle-orm";
import type { Db } from "../../../lib/db/client";
import { auditLog, users } from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { forbidden } from "../../../lib/http/errors";
import type { WorkspaceAccess } from "../types";

export const AUDIT_PAGE_SIZE = 50;

export type AuditRow = typeof auditLog.$inferSelect & { actorName: string | null };

/** Newest first, paged by id: `before` is the smallest id of the previous page. */
export async function auditPage(
  db: Db,
  access: WorkspaceAccess,
  before?: number,
  limit = AUDIT_PAGE_SIZE,
): Promise<{ entries: AuditRow[]; nextBefore: number | null }> {
  if (!can(access.role, "audit.view")) throw forbidden();
  const rows = await db
    .select({ entry: auditLog, actorName: users.name })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(and(eq(auditLog.workspaceId, access.workspace.id), before ? lt(auditLog.id, before) : undefined))
    .orderBy(desc(auditLog.id))
    .limit(limit + 1)
    .all();
  const entries = rows.slice(0, limit).map((r) => ({ ...r.entry, actorName: r.actorName }));
  return { entries, nextBefore: rows.length > limit ? entries[entries.length - 1]!.id : null };
}
