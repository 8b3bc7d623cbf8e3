/**
 * Bearer-token authentication for /api/v1. A token belongs to one workspace: a path naming another
 * workspace gets the same 404 as a workspace that does not exist. What a token may do is its
 * creator's current role narrowed by its scope (lib/domain/roles.ts: tokenCan).
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { tokenCan, type Permission } from "../../../lib/domain/roles";
import { AppError, notFound } from "../../../lib/http/errors";
import { clientIp } from "../middleware/context";
import { authenticateToken } from "../tokens/service";
import type { AppEnv } from "../types";

const unauthenticated = (message: string) =>
  new AppError(401, "unauthenticated", message, undefined, { "WWW-Authenticate": 'Bearer realm="api"' });

export const bearerAuth = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match) throw unauthenticated("Send an API token as `Authorization: Bearer <token>`. Create one under Settings → API tokens.");
  const holder = await authenticateToken(c.var.db, match[1]!);
  if (!holder) throw unauthenticated("This API token is not valid: it may have been revoked, or its creator left the workspace.");
  c.set("tokenScope", holder.token.scope);
  c.set("access", {
    workspace: holder.workspace,
    role: holder.role,
    actor: { userId: holder.user.id, tokenId: holder.token.id, ip: clientIp(c) },
  });
  await next();
});

/** The workspace named in the path must be the token's own. */
export function inTokenWorkspace(c: Context<AppEnv>, workspaceId: string): void {
  if (c.var.access.workspace.id !== workspaceId) throw notFound("Workspace not found");
}

export function authorize(c: Context<AppEnv>, permission: Permission): void {
  if (!tokenCan(c.var.access.role, c.var.tokenScope, permission)) {
    const readOnly = c.var.tokenScope === "read";
    throw new AppError(403, "forbidden", readOnly ? "This token has read scope; this operation needs a write token." : "Your role does not allow this operation.");
  }
}
