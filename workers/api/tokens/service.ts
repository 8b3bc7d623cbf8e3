/**
 * API tokens. The secret (`cet_` + 32 random bytes) is shown once; only its SHA-256 is stored, so a
 * leaked database does not leak working tokens. A token acts as its creator, narrowed by its scope,
 * and stops working when revoked or when its creator leaves the workspace.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import { auditEntry, auditIfChanged } from "../../../lib/audit";
import { randomBytes, sha256Hex, toBase64Url } from "../../../lib/crypto/encoding";
import type { Db } from "../../../lib/db/client";
import { apiTokens, memberships, users, workspaces, type ApiToken, type User, type Workspace } from "../../../lib/db/schema";
import type { Role } from "../../../lib/domain/roles";
import { can } from "../../../lib/domain/roles";
import { forbidden, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import type { WorkspaceAccess } from "../types";

export const TOKEN_PREFIX = "cet_";
/** last_used_at is written at most this often per token, so busy scripts do not write on every call. */
const LAST_USED_PRECISION_MS = 60_000;

export type TokenListing = Omit<ApiToken, "tokenHash"> & { createdByName: string };

export function listTokens(db: Db, access: WorkspaceAccess): Promise<TokenListing[]> {
  if (!can(access.role, "tokens.manage")) throw forbidden();
  return db
    .select({
      id: apiTokens.id,
      workspaceId: apiTokens.workspaceId,
      createdBy: apiTokens.createdBy,
      createdByName: users.name,
      name: apiTokens.name,
      prefix: apiTokens.prefix,
      scope: apiTokens.scope,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.createdBy))
    .where(eq(apiTokens.workspaceId, access.workspace.id))
    .orderBy(desc(apiTokens.createdAt))
    .all();
}

export async function createToken(
  db: Db,
  access: WorkspaceAccess,
  input: { name: string; scope: "read" | "write" },
): Promise<{ token: ApiToken; secret: string }> {
  if (!can(access.role, "tokens.manage")) throw forbidden();
  const { workspace, actor } = access;
  const secret = TOKEN_PREFIX + toBase64Url(randomBytes(32));
  const id = newId("tok");
  const [rows] = await db.batch([
    db
      .insert(apiTokens)
      .values({
        id,
        workspaceId: workspace.id,
        createdBy: actor.userId,
        name: input.name,
        scope: input.scope,
        tokenHash: await sha256Hex(secret),
        prefix: secret.slice(0, 12),
      })
      .returning(),
    auditEntry(db, actor, {
      workspaceId: workspace.id,
      action: "token.created",
      targetType: "api_token",
      targetId: id,
      detail: { name: input.name, scope: input.scope },
    }),
  ]);
  return { token: rows[0]!, secret };
}

export async function revokeToken(db: Db, access: WorkspaceAccess, tokenId: string): Promise<void> {
  if (!can(access.role, "tokens.manage")) throw forbidden();
  const { workspace, actor } = access;
  const [revoked] = await db.batch([
    db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.workspaceId, workspace.id), isNull(apiTokens.revokedAt)))
      .returning(),
    auditIfChanged(db, actor, { workspaceId: workspace.id, action: "token.revoked", targetType: "api_token", targetId: tokenId }),
  ]);
  if (revoked.length === 0) throw notFound("Token not found, or already revoked");
}

export type TokenHolder = { token: ApiToken; user: User; workspace: Workspace; role: Role };

/** Finds the live token for a bearer secret, with its creator's current role in its workspace. */
export async function authenticateToken(db: Db, secret: string): Promise<TokenHolder | null> {
  if (!secret.startsWith(TOKEN_PREFIX)) return null;
  const row = await db
    .select({ token: apiTokens, user: users, workspace: workspaces, role: memberships.role })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.createdBy))
    .innerJoin(workspaces, eq(workspaces.id, apiTokens.workspaceId))
    .innerJoin(memberships, and(eq(memberships.workspaceId, apiTokens.workspaceId), eq(memberships.userId, apiTokens.createdBy)))
    .where(and(eq(apiTokens.tokenHash, await sha256Hex(secret)), isNull(apiTokens.revokedAt)))
    .get();
  if (!row) return null;
  const now = Date.now();
  if (!row.token.lastUsedAt || now - row.token.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
    await db.update(apiTokens).set({ lastUsedAt: new Date(now) }).where(eq(apiTokens.id, row.token.id));
  }
  return row;
}
