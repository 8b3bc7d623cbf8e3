import { createRoute, z } from "@hono/zod-openapi";
import type { Invite } from "../../../lib/db/schema";
import { inviteInput, roleInput } from "../../../lib/domain/inputs";
import { ROLES } from "../../../lib/domain/roles";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, json, noContent, pathParam, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { changeRole, createInvite, inviteLink, listMembers, pendingInvites, removeMember, revokeInvite, type Member } from "./service";

const memberParams = workspaceParams.extend({ userId: pathParam("userId") });
const inviteParams = workspaceParams.extend({ inviteId: pathParam("inviteId") });

export const MemberSchema = z
  .object({ userId: z.string(), name: z.string(), email: z.string(), role: z.enum(ROLES), joinedAt: timestamp })
  .openapi("Member");

export const toMember = (m: Member) => ({ ...m, joinedAt: iso(m.joinedAt) });

export const InviteSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    role: z.enum(ROLES),
    expiresAt: timestamp,
    createdAt: timestamp,
    link: z.string().openapi({ description: "Signed link to send to the invitee; single use." }),
  })
  .openapi("Invite");

export const toInvite = (i: Invite, link: string) => ({
  id: i.id,
  email: i.email,
  role: i.role,
  expiresAt: iso(i.expiresAt),
  createdAt: iso(i.createdAt),
  link,
});

export function memberApi(api: Api) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/members",
      tags: ["Members"],
      security,
      summary: "List members",
      request: { params: workspaceParams },
      responses: { 200: json(z.object({ members: z.array(MemberSchema) }), "Members by name"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "workspace.view");
      const members = await listMembers(c.var.db, c.var.access.workspace.id);
      return c.json({ members: members.map(toMember) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "patch",
      path: "/v1/workspaces/{workspaceId}/members/{userId}",
      tags: ["Members"],
      security,
      summary: "Change a member's role (the last owner cannot be demoted)",
      request: { params: memberParams, ...body(roleInput) },
      responses: { 200: json(MemberSchema, "The member with the new role"), ...errors },
    }),
    async (c) => {
      const { workspaceId, userId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "members.manage");
      return c.json(toMember(await changeRole(c.var.db, c.var.access, userId, c.req.valid("json").role)), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "delete",
      path: "/v1/workspaces/{workspaceId}/members/{userId}",
      tags: ["Members"],
      security,
      summary: "Remove a member (the last owner cannot be removed)",
      request: { params: memberParams },
      responses: { 204: { description: "Removed" }, ...errors },
    }),
    async (c) => {
      const { workspaceId, userId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "members.manage");
      await removeMember(c.var.db, c.var.access, userId);
      return noContent();
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/invites",
      tags: ["Members"],
      security,
      summary: "List open invitations",
      request: { params: workspaceParams },
      responses: { 200: json(z.object({ invites: z.array(InviteSchema) }), "Open invitations"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "members.invite");
      const origin = new URL(c.req.url).origin;
      const invites = await pendingInvites(c.var.db, c.var.access.workspace.id);
      return c.json({ invites: await Promise.all(invites.map(async (i) => toInvite(i, await inviteLink(c.env, origin, i)))) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/invites",
      tags: ["Members"],
      security,
      summary: "Create an invitation link (valid 7 days, single use)",
      request: { params: workspaceParams, ...body(inviteInput) },
      responses: { 201: json(InviteSchema, "The invitation, with its link"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "members.invite");
      const invite = await createInvite(c.var.db, c.var.access, c.req.valid("json"));
      return c.json(toInvite(invite, await inviteLink(c.env, new URL(c.req.url).origin, invite)), 201);
    },
  );

  api.openapi(
    createRoute({
      method: "delete",
      path: "/v1/workspaces/{workspaceId}/invites/{inviteId}",
      tags: ["Members"],
      security,
      summary: "Revoke an open invitation",
      request: { params: inviteParams },
      responses: { 204: { description: "Revoked" }, ...errors },
    }),
    async (c) => {
      const { workspaceId, inviteId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "members.invite");
      await revokeInvite(c.var.db, c.var.access, inviteId);
      return noContent();
    },
  );
}
