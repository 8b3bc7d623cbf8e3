import { createRoute, z } from "@hono/zod-openapi";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { errors, iso, json, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { AUDIT_PAGE_SIZE, auditPage, type AuditRow } from "./service";

export const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    actorUserId: z.string().nullable(),
    actorName: z.string().nullable(),
    actorTokenId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    ip: z.string().nullable(),
    createdAt: timestamp,
  })
  .openapi("AuditEntry");

export const toAuditEntry = (e: AuditRow) => ({
  id: e.id,
  action: e.action,
  targetType: e.targetType,
  targetId: e.targetId,
  actorUserId: e.actorUserId,
  actorName: e.actorName,
  actorTokenId: e.actorTokenId,
  detail: e.detail ?? null,
  ip: e.ip,
  createdAt: iso(e.createdAt),
});

export function auditApi(api: Api) {
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
}
