import { sql } from "drizzle-orm";
import type { Db } from "./db/client";
import { auditLog } from "./db/schema";

/** Who did something: a signed-in person, or a person through one of their API tokens. */
export type Actor = { userId: string; tokenId?: string; ip?: string | null };

export type AuditEvent = {
  workspaceId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  detail?: Record<string, unknown>;
};

/**
 * The audit row for a mutation, as a statement to run in the same `db.batch()` as the mutation, so
 * the change and its record land together or not at all.
 */
export function auditEntry(db: Db, actor: Actor, event: AuditEvent) {
  return db.insert(auditLog).values({
    ...event,
    actorUserId: actor.userId,
    actorTokenId: actor.tokenId ?? null,
    ip: actor.ip ?? null,
  });
}

/**
 * The audit row for a conditional mutation (an UPDATE or DELETE guarded by a WHERE clause), written
 * only when the statement just before it in the batch changed a row. SQLite's `changes()` reports
 * the previous statement of the same connection, which is what a D1 batch runs on.
 */
export function auditIfChanged(db: Db, actor: Actor, event: AuditEvent) {
  const detail = event.detail ? JSON.stringify(event.detail) : null;
  // Columns in the table's order (id first: NULL lets SQLite assign it).
  return db.insert(auditLog).select(
    sql`SELECT NULL, ${event.workspaceId}, ${actor.userId}, ${actor.tokenId ?? null}, ${event.action}, ${event.targetType},
      ${event.targetId}, ${detail}, ${actor.ip ?? null}, ${Date.now()} WHERE changes() > 0`,
  );
}
