/**
 * Members and invitations. The rule that a workspace always keeps an owner is enforced inside the
 * SQL statement that changes a role or removes a member (a guarded UPDATE/DELETE), so two owners
 * demoting each other at the same moment cannot both succeed.
 */
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import { jwtVerify, SignJWT } from "jose";
import { auditEntry, auditIfChanged } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { invites, memberships, users, workspaces, type Invite, type User, type Workspace } from "../../../lib/db/schema";
import { can, canAssignRole, type Role } from "../../../lib/domain/roles";
import { AppError, forbidden, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import { signingKey } from "../auth/session";
import type { WorkspaceAccess } from "../types";

export const INVITE_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

export type Member = { userId: string; name: string; email: string; role: Role; joinedAt: Date };

export function listMembers(db: Db, workspaceId: string): Promise<Member[]> {
  return db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role, joinedAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.workspaceId, workspaceId))
    .orderBy(asc(users.name))
    .all();
}

async function memberOf(db: Db, workspaceId: string, userId: string): Promise<Member> {
  const member = await db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role, joinedAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)))
    .get();
  if (!member) throw notFound("Member not found");
  return member;
}

/** True while the workspace has another owner besides the row being changed. */
const anotherOwnerRemains = (workspaceId: string) =>
  sql`(SELECT COUNT(*) FROM memberships WHERE workspace_id = ${workspaceId} AND role = 'owner') > 1`;

const lastOwner = () =>
  new AppError(409, "last_owner", "A workspace needs at least one owner: make someone else an owner first.");

export async function changeRole(db: Db, access: WorkspaceAccess, userId: string, role: Role): Promise<Member> {
  const { workspace, actor } = access;
  const member = await memberOf(db, workspace.id, userId);
  if (!canAssignRole(access.role, member.role, role)) {
    throw forbidden(role === "owner" || member.role === "owner" ? "Only an owner can grant or take away the owner role." : undefined);
  }
  if (member.role === role) return member;
  const guard = role === "owner" ? sql`1` : sql`(role <> 'owner' OR ${anotherOwnerRemains(workspace.id)})`;
  const [updated] = await db.batch([
    db
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.workspaceId, workspace.id), eq(memberships.userId, userId), guard))
      .returning(),
    auditIfChanged(db, actor, {
      workspaceId: workspace.id,
      action: "member.role_changed",
      targetType: "user",
      targetId: userId,
      detail: { from: member.role, to: role },
    }),
  ]);
  if (updated.length === 0) throw lastOwner();
  return { ...member, role };
}

/** Removes a member; anyone may remove themselves (leave), removing others needs members.manage. */
export async function removeMember(db: Db, access: WorkspaceAccess, userId: string): Promise<void> {
  const { workspace, actor } = access;
  const member = await memberOf(db, workspace.id, userId);
  const leaving = userId === actor.userId;
  if (!leaving) {
    if (!can(access.role, "members.manage")) throw forbidden();
    if (member.role === "owner" && access.role !== "owner") throw forbidden("Only an owner can remove an owner.");
  }
  const [deleted] = await db.batch([
    db
      .delete(memberships)
      .where(
        and(
          eq(memberships.workspaceId, workspace.id),
          eq(memberships.userId, userId),
          sql`(role <> 'owner' OR ${anotherOwnerRemains(workspace.id)})`,
        ),
      )
      .returning(),
    auditIfChanged(db, actor, {
      workspaceId: workspace.id,
      action: leaving ? "member.left" : "member.removed",
      targetType: "user",
      targetId: userId,
      detail: { email: member.email, role: member.role },
    }),
  ]);
  if (deleted.length === 0) throw lastOwner();
}

export function pendingInvites(db: Db, workspaceId: string): Promise<Invite[]> {
  return db
    .select()
    .from(invites)
    .where(
      and(eq(invites.workspaceId, workspaceId), isNull(invites.acceptedAt), isNull(invites.revokedAt), gt(invites.expiresAt, new Date())),
    )
    .orderBy(asc(invites.createdAt))
    .all();
}

export async function inviteLink(env: Env, origin: string, invite: Invite): Promise<string> {
  const jwt = await new SignJWT({ iid: invite.id })
    .setProtectedHeader({ alg: "HS256" })
    .setAudience("invite")
    .setExpirationTime(invite.expiresAt)
    .sign(await signingKey(env, "invite"));
  return `${origin}/invite/${jwt}`;
}

export async function createInvite(
  db: Db,
  access: WorkspaceAccess,
  input: { role: Role; email?: string | undefined },
): Promise<Invite> {
  const { workspace, actor } = access;
  if (!can(access.role, "members.invite")) throw forbidden();
  if (!canAssignRole(access.role, null, input.role)) throw forbidden("Only an owner can invite another owner.");
  const id = newId("inv");
  const [rows] = await db.batch([
    db
      .insert(invites)
      .values({
        id,
        workspaceId: workspace.id,
        email: input.email ?? null,
        role: input.role,
        createdBy: actor.userId,
        expiresAt: new Date(Date.now() + INVITE_LIFETIME_MS),
      })
      .returning(),
    auditEntry(db, actor, {
      workspaceId: workspace.id,
      action: "invite.created",
      targetType: "invite",
      targetId: id,
      detail: { role: input.role, email: input.email ?? null },
    }),
  ]);
  return rows[0]!;
}

export async function revokeInvite(db: Db, access: WorkspaceAccess, inviteId: string): Promise<void> {
  const { workspace, actor } = access;
  if (!can(access.role, "members.invite")) throw forbidden();
  const [revoked] = await db.batch([
    db
      .update(invites)
      .set({ revokedAt: new Date() })
      .where(and(eq(invites.id, inviteId), eq(invites.workspaceId, workspace.id), isNull(invites.acceptedAt), isNull(invites.revokedAt)))
      .returning(),
    auditIfChanged(db, actor, { workspaceId: workspace.id, action: "invite.revoked", targetType: "invite", targetId: inviteId }),
  ]);
  if (revoked.length === 0) throw notFound("Invitation not found, or already used or revoked");
}

export type OpenInvite = { invite: Invite; workspace: Workspace };

/** Reads the invitation a link names; a forged, expired, used or revoked link is refused. */
export async function openInvite(db: Db, env: Env, token: string): Promise<OpenInvite> {
  let inviteId: unknown;
  try {
    const { payload } = await jwtVerify(token, await signingKey(env, "invite"), { algorithms: ["HS256"], audience: "invite" });
    inviteId = payload.iid;
  } catch (err) {
    const expired = (err as { code?: string }).code === "ERR_JWT_EXPIRED";
    throw new AppError(410, expired ? "invite_expired" : "invite_invalid", expired ? "This invitation has expired. Ask for a new one." : "This invitation link is not valid.");
  }
  if (typeof inviteId !== "string") throw new AppError(410, "invite_invalid", "This invitation link is not valid.");
  const row = await db
    .select({ invite: invites, workspace: workspaces })
    .from(invites)
    .innerJoin(workspaces, eq(workspaces.id, invites.workspaceId))
    .where(eq(invites.id, inviteId))
    .get();
  if (!row) throw new AppError(410, "invite_invalid", "This invitation link is not valid.");
  if (row.invite.revokedAt) throw new AppError(410, "invite_revoked", "This invitation was withdrawn.");
  if (row.invite.acceptedAt) throw new AppError(410, "invite_used", "This invitation has already been used.");
  if (row.invite.expiresAt.getTime() <= Date.now()) throw new AppError(410, "invite_expired", "This invitation has expired. Ask for a new one.");
  return row;
}

/**
 * Accepts an invitation in one batch: claim the row (only if still open), add the membership from
 * the claimed row, audit. Two people racing for one link: one claim matches, the other adds nothing.
 */
export async function acceptInvite(db: Db, user: User, open: OpenInvite, ip: string | null): Promise<void> {
  const { invite } = open;
  if (invite.email && invite.email !== user.email) {
    throw new AppError(403, "invite_other_email", `This invitation is for ${invite.email}. Log in with that address to accept it.`);
  }
  const already = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, invite.workspaceId), eq(memberships.userId, user.id)))
    .get();
  if (already) throw new AppError(409, "already_member", `You are already a member of ${open.workspace.name}.`);
  const now = new Date();
  const [claimed] = await db.batch([
    db
      .update(invites)
      .set({ acceptedAt: now, acceptedBy: user.id })
      .where(and(eq(invites.id, invite.id), isNull(invites.acceptedAt), isNull(invites.revokedAt), gt(invites.expiresAt, now)))
      .returning(),
    db
      .insert(memberships)
      .select(
        sql`SELECT workspace_id, accepted_by, role, ${now.getTime()} FROM invites
          WHERE id = ${invite.id} AND accepted_by = ${user.id} AND accepted_at = ${now.getTime()}`,
      )
      .onConflictDoNothing(),
    auditIfChanged(db, { userId: user.id, ip }, {
      workspaceId: invite.workspaceId,
      action: "invite.accepted",
      targetType: "invite",
      targetId: invite.id,
      detail: { role: invite.role },
    }),
  ]);
  if (claimed.length === 0) throw new AppError(410, "invite_used", "This invitation has already been used.");
}
