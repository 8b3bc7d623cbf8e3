import type { Db } from "./db/client";
import { auditLog } from "./db/schema";

/** Who did something: a signed-in person, or a person through one of their API tokens. */
export type Actor = { userId: string; tokenId?: string; ip?: string | null };

export type AuditEvent = {
  workspaceId: string;
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
