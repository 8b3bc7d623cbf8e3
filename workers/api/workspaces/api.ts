import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { users, type Workspace } from "../../../lib/db/schema";
import { workspaceInput } from "../../../lib/domain/inputs";
import { ROLES } from "../../../lib/domain/roles";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, json, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { updateWorkspace } from "./service";

export const WorkspaceSchema = z
  .object({ id: z.string(), name: z.string(), timezone: z.string(), allowSelfApproval: z.boolean(), createdAt: timestamp })
  .openapi("Workspace");

export const toWorkspace = (w: Workspace) => ({ id: w.id, name: w.name, timezone: w.timezone, allowSelfApproval: w.allowSelfApproval, createdAt: iso(w.createdAt) });

export function workspaceApi(api: Api) {
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
}
