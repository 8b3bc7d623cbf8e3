/**
 * The REST API, /api/v1, built with @hono/zod-openapi so the routes, their validation and the spec
 * at /api/v1/openapi.json come from the same zod schemas. Every route calls the same service
 * functions as the UI; only the transport differs.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { users } from "../../../lib/db/schema";
import { inviteInput, roleInput, tokenInput, workspaceInput } from "../../../lib/domain/inputs";
import { ROLES } from "../../../lib/domain/roles";
import { AppError } from "../../../lib/http/errors";
import { invalidInput } from "../../../lib/http/validate";
import { AUDIT_PAGE_SIZE, auditPage } from "../audit/service";
import { changeRole, createInvite, inviteLink, listMembers, pendingInvites, removeMember, revokeInvite } from "../members/service";
import { createToken, listTokens, revokeToken } from "../tokens/service";
import type { AppEnv } from "../types";
import { updateWorkspace } from "../workspaces/service";
import { authorize, bearerAuth, inTokenWorkspace } from "./auth";
import {
  AuditEntrySchema,
  ErrorSchema,
  InviteSchema,
  MemberSchema,
  TokenSchema,
  toAuditEntry,
  toInvite,
  toMember,
  toToken,
  toWorkspace,
  WorkspaceSchema,
} from "./schemas";

export const MAX_BODY_BYTES = 1024 * 1024;

export const api = new OpenAPIHono<AppEnv>({
  // zod failures on path, query or body become the same 422 as everywhere else, naming each field.
  defaultHook: (result) => {
    if (!result.success) throw invalidInput(result.error);
  },
});

api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "An API token from Settings → API tokens (`cet_…`).",
});

// Registered before the token check so the spec is public; it is generated from the routes below.
api.doc31("/v1/openapi.json", (c) => ({
  openapi: "3.1.0",
  info: {
    title: "Content Engine API",
    version: "1.0.0",
    description: "Script a workspace: every operation of the UI, with an API token. Errors are `{\"error\": {\"code\", \"message\", \"fields\"?}}`.",
  },
  servers: [{ url: `${new URL(c.req.url).origin}/api` }],
}));

/** Bodies must be JSON, at most 1 MB; checked before anything reads them. */
const jsonBodies = createMiddleware<AppEnv>(async (c, next) => {
  if (["POST", "PUT", "PATCH"].includes(c.req.method)) {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/json\b/i.test(type)) {
      throw new AppError(415, "unsupported_media_type", `Send the body as application/json (got ${type || "no Content-Type"}).`);
    }
  }
  await next();
});

api.use("/v1/*", jsonBodies);
api.use(
  "/v1/*",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new AppError(413, "body_too_large", "The request body is larger than 1 MB.");
    },
  }),
);
api.use("/v1/*", bearerAuth);

const errors = Object.fromEntries(
  [
    [400, "Malformed request (for example invalid JSON)"],
    [401, "Missing or invalid API token"],
    [403, "The token's role or scope does not allow this"],
    [404, "Not found in the token's workspace"],
    [409, "Conflicts with the current state"],
    [413, "Body over 1 MB"],
    [415, "Body is not application/json"],
    [422, "Invalid input; `fields` names each problem"],
  ].map(([status, description]) => [status, { description, content: { "application/json": { schema: ErrorSchema } } }]),
);

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });

const workspaceParams = z.object({ workspaceId: z.string().openapi({ param: { name: "workspaceId", in: "path" }, example: "ws_…" }) });
const memberParams = workspaceParams.extend({ userId: z.string().openapi({ param: { name: "userId", in: "path" } }) });
const inviteParams = workspaceParams.extend({ inviteId: z.string().openapi({ param: { name: "inviteId", in: "path" } }) });
const tokenParams = workspaceParams.extend({ tokenId: z.string().openapi({ param: { name: "tokenId", in: "path" } }) });
const security = [{ bearer: [] }];
/**
 * A 204 with no body. @hono/zod-openapi types every answer as JSON data, which an empty body is not,
 * so the plain Response is cast to satisfy the route's type.
 */
const noContent = () => new Response(null, { status: 204 }) as never;

api.openapi(
  createRoute({
    method: "get",
    path: "/v1/me",
    tags: ["Account"],
    security,
    summary: "Who the token acts as, in which workspace, with which role and scope",
    responses: {
      200: json(
        z.object({
          user: z.object({ id: z.string(), name: z.string(), email: z.string() }),
          workspace: WorkspaceSchema,
          role: z.enum(ROLES),
          scope: z.enum(["read", "write"]),
        }),
        "The token's identity",
      ),
      ...errors,
    },
  }),
  async (c) => {
    const { workspace, role, actor } = c.var.access;
    const user = await c.var.db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.id, actor.userId)).get();
    return c.json({ user: user!, workspace: toWorkspace(workspace), role, scope: c.var.tokenScope }, 200);
  },
);

api.openapi(
  createRoute({
    method: "get",
    path: "/v1/workspaces/{workspaceId}",
    tags: ["Workspaces"],
    security,
    summary: "Get the workspace",
    request: { params: workspaceParams },
    responses: { 200: json(WorkspaceSchema, "The workspace"), ...errors },
  }),
  (c) => {
    inTokenWorkspace(c, c.req.valid("param").workspaceId);
    authorize(c, "workspace.view");
    return c.json(toWorkspace(c.var.access.workspace), 200);
  },
);

api.openapi(
  createRoute({
    method: "patch",
    path: "/v1/workspaces/{workspaceId}",
    tags: ["Workspaces"],
    security,
    summary: "Rename the workspace or change its time zone",
    request: { params: workspaceParams, ...body(workspaceInput) },
    responses: { 200: json(WorkspaceSchema, "The updated workspace"), ...errors },
  }),
  async (c) => {
    inTokenWorkspace(c, c.req.valid("param").workspaceId);
    authorize(c, "workspace.rename");
    return c.json(toWorkspace(await updateWorkspace(c.var.db, c.var.access, c.req.valid("json"))), 200);
  },
);

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

api.openapi(
  createRoute({
    method: "get",
    path: "/v1/workspaces/{workspaceId}/tokens",
    tags: ["API tokens"],
    security,
    summary: "List API tokens (never their secrets)",
    request: { params: workspaceParams },
    responses: { 200: json(z.object({ tokens: z.array(TokenSchema) }), "Tokens, newest first"), ...errors },
  }),
  async (c) => {
    inTokenWorkspace(c, c.req.valid("param").workspaceId);
    authorize(c, "tokens.manage");
    const tokens = await listTokens(c.var.db, c.var.access);
    return c.json({ tokens: tokens.map(toToken) }, 200);
  },
);

api.openapi(
  createRoute({
    method: "post",
    path: "/v1/workspaces/{workspaceId}/tokens",
    tags: ["API tokens"],
    security,
    summary: "Create an API token; the secret is in this answer only",
    request: { params: workspaceParams, ...body(tokenInput) },
    responses: { 201: json(TokenSchema.extend({ secret: z.string() }), "The token and its secret"), ...errors },
  }),
  async (c) => {
    inTokenWorkspace(c, c.req.valid("param").workspaceId);
    authorize(c, "tokens.manage");
    const { token, secret } = await createToken(c.var.db, c.var.access, c.req.valid("json"));
    return c.json({ ...toToken(token), secret }, 201);
  },
);

api.openapi(
  createRoute({
    method: "delete",
    path: "/v1/workspaces/{workspaceId}/tokens/{tokenId}",
    tags: ["API tokens"],
    security,
    summary: "Revoke an API token; it stops working at once",
    request: { params: tokenParams },
    responses: { 204: { description: "Revoked" }, ...errors },
  }),
  async (c) => {
    const { workspaceId, tokenId } = c.req.valid("param");
    inTokenWorkspace(c, workspaceId);
    authorize(c, "tokens.manage");
    await revokeToken(c.var.db, c.var.access, tokenId);
    return noContent();
  },
);

api.openapi(
  createRoute({
    method: "get",
    path: "/v1/workspaces/{workspaceId}/audit-log",
    tags: ["Audit log"],
    security,
    summary: "Audit log entries, newest first, paged with `before`",
    request: {
      params: workspaceParams,
      query: z.object({
        before: z.coerce.number().int().positive().optional().openapi({ description: "Return entries with an id below this (the `nextBefore` of the previous page)" }),
        limit: z.coerce.number().int().min(1).max(200).default(AUDIT_PAGE_SIZE),
      }),
    },
    responses: { 200: json(z.object({ entries: z.array(AuditEntrySchema), nextBefore: z.number().int().nullable() }), "A page of entries"), ...errors },
  }),
  async (c) => {
    inTokenWorkspace(c, c.req.valid("param").workspaceId);
    authorize(c, "audit.view");
    const { before, limit } = c.req.valid("query");
    const page = await auditPage(c.var.db, c.var.access, before, limit);
    return c.json({ entries: page.entries.map(toAuditEntry), nextBefore: page.nextBefore }, 200);
  },
);

