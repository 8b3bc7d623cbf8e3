/**
 * The generic inbound endpoint's secret, one per workspace, sealed at rest with TOKEN_KEY (purpose
 * `inbound-webhook`, the workspace id as associated data). It is shown once, when created; rotating
 * replaces it at once (the old one stops working with the same statement).
 */
import { eq } from "drizzle-orm";
import { auditEntry } from "../../../lib/audit";
import { tokenKey } from "../../../lib/config/env";
import { seal, unseal, type SealContext } from "../../../lib/crypto/sealed";
import type { Db } from "../../../lib/db/client";
import { inboundWebhookSecrets } from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { forbidden } from "../../../lib/http/errors";
import type { WorkspaceAccess } from "../types";
import { newSigningSecret } from "../../../lib/webhooks/signature";

const sealedFor = (env: object, workspaceId: string): SealContext => ({ secret: tokenKey(env), purpose: "inbound-webhook", rowId: workspaceId });

export async function inboundSecretInfo(db: Db, workspaceId: string): Promise<{ createdAt: Date } | null> {
  const row = await db.select({ createdAt: inboundWebhookSecrets.createdAt }).from(inboundWebhookSecrets).where(eq(inboundWebhookSecrets.workspaceId, workspaceId)).get();
  return row ?? null;
}

export async function inboundSecret(db: Db, env: object, workspaceId: string): Promise<string | null> {
  const row = await db.select({ secret: inboundWebhookSecrets.secret }).from(inboundWebhookSecrets).where(eq(inboundWebhookSecrets.workspaceId, workspaceId)).get();
  return row ? unseal(sealedFor(env, workspaceId), row.secret) : null;
}

/** Creates the workspace's secret, or replaces it; returns it (the only time it is readable). */
export async function rotateInboundSecret(db: Db, env: object, access: WorkspaceAccess): Promise<{ secret: string; rotated: boolean }> {
  if (!can(access.role, "webhooks.manage")) throw forbidden();
  const workspaceId = access.workspace.id;
  const existed = (await inboundSecretInfo(db, workspaceId)) !== null;
  const secret = newSigningSecret();
  const sealed = await seal(sealedFor(env, workspaceId), secret);
  const now = new Date();
  await db.batch([
    db
      .insert(inboundWebhookSecrets)
      .values({ workspaceId, secret: sealed, createdBy: access.actor.userId, createdAt: now })
      .onConflictDoUpdate({ target: inboundWebhookSecrets.workspaceId, set: { secret: sealed, createdBy: access.actor.userId, createdAt: now } }),
    auditEntry(db, access.actor, { workspaceId, action: existed ? "inbound_webhook.secret_rotated" : "inbound_webhook.secret_created", targetType: "workspace", targetId: workspaceId }),
  ]);
  return { secret, rotated: existed };
}
