/** Workspaces: the operations the UI and the API share, each checked and audited in one place. */
import { asc, eq } from "drizzle-orm";
import { auditEntry, type Actor } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { memberships, workspaces, type Workspace } from "../../../lib/db/schema";
import { can, type Role } from "../../../lib/domain/roles";
import { forbidden } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import type { WorkspaceAccess } from "../types";

export type WorkspaceSummary = { id: string; name: string; role: Role };

export function workspacesOf(db: Db, userId: string): Promise<WorkspaceSummary[]> {
  return db
    .select({ id: workspaces.id, name: workspaces.name, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(workspaces.name))
    .all();
}

/** Whoever creates a workspace is its first owner. */
export async function createWorkspace(db: Db, actor: Actor, input: { name: string; timezone?: string }): Promise<Workspace> {
  const id = newId("ws");
  const [rows] = await db.batch([
    db.insert(workspaces).values({ id, name: input.name, timezone: input.timezone ?? "UTC" }).returning(),
    db.insert(memberships).values({ workspaceId: id, userId: actor.userId, role: "owner" }),
    auditEntry(db, actor, { workspaceId: id, action: "workspace.created", targetType: "workspace", targetId: id, detail: { name: input.name } }),
  ]);
  return rows[0]!;
}

export async function updateWorkspace(
  db: Db,
  access: WorkspaceAccess,
  input: { name: string; timezone?: string | undefined; allowSelfApproval?: boolean | undefined },
): Promise<Workspace> {
  if (!can(access.role, "workspace.rename")) throw forbidden();
  const { workspace, actor } = access;
  const change = {
    name: input.name,
    timezone: input.timezone ?? workspace.timezone,
    allowSelfApproval: input.allowSelfApproval ?? workspace.allowSelfApproval,
  };
  const [rows] = await db.batch([
    db.update(workspaces).set(change).where(eq(workspaces.id, workspace.id)).returning(),
    auditEntry(db, actor, {
      workspaceId: workspace.id,
      action: "workspace.updated",
      targetType: "workspace",
      targetId: workspace.id,
      detail: { from: { name: workspace.name, timezone: workspace.timezone, allowSelfApproval: workspace.allowSelfApproval }, to: change },
    }),
  ]);
  return rows[0]!;
}
