import { and, eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import type { Db } from "../../../lib/db/client";
import { memberships, workspaces } from "../../../lib/db/schema";
import { can, type Permission } from "../../../lib/domain/roles";
import { AppError, forbidden, notFound } from "../../../lib/http/errors";
import { readSession } from "../auth/session";
import type { AppEnv, WorkspaceAccess } from "../types";
import { clientIp } from "./context";

export const loadSession = createMiddleware<AppEnv>(async (c, next) => {
  c.set("auth", await readSession(c));
  await next();
});

/** Pages need a signed-in person: a browser is sent to log in and brought back afterwards. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  if (c.var.auth) return next();
  const url = new URL(c.req.url);
  const login = `/login?next=${encodeURIComponent(url.pathname + url.search)}`;
  if (c.req.header("hx-request")) {
    c.header("HX-Redirect", login);
    return c.body(null, 401);
  }
  if (c.req.method === "GET") return c.redirect(login, 303);
  throw new AppError(401, "unauthenticated", "Log in to continue.");
});

/**
 * Everything under /w/:workspaceId acts inside one workspace. Someone who is not a member gets the
 * same 404 as for a workspace that does not exist, so ids of other tenants reveal nothing.
 */
export const workspaceAccess = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.var.auth;
  const workspaceId = c.req.param("workspaceId");
  if (!auth || !workspaceId) throw notFound();
  c.set("access", await memberAccess(c.var.db, auth.user.id, workspaceId, clientIp(c)));
  await next();
});

/** A member's role in a workspace; the same 404 for a non-member as for a workspace that does not exist. */
export async function memberAccess(db: Db, userId: string, workspaceId: string, ip: string | null): Promise<WorkspaceAccess> {
  const row = await db
    .select({ workspace: workspaces, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)))
    .get();
  if (!row) throw notFound("Workspace not found");
  return { workspace: row.workspace, role: row.role, actor: { userId, ip } };
}

export function requirePermission(permission: Permission) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!can(c.var.access.role, permission)) throw forbidden();
    await next();
  });
}
