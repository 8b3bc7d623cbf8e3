/** Response shapes of /api/v1, registered as OpenAPI components. Dates are ISO 8601 strings in UTC. */
import { z } from "@hono/zod-openapi";
import type { Invite, Workspace } from "../../../lib/db/schema";
import { ROLES } from "../../../lib/domain/roles";
import type { AuditRow } from "../audit/service";
import type { Member } from "../members/service";
import type { TokenListing } from "../tokens/service";

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
const timestamp = z.string().openapi({ format: "date-time", example: "2026-11-23T09:30:00.000Z" });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_request" }),
      message: z.string().openapi({ example: "name: is required" }),
      fields: z.record(z.string(), z.string()).optional().openapi({ example: { name: "is required" } }),
    }),
  })
  .openapi("Error");

export const WorkspaceSchema = z
  .object({ id: z.string(), name: z.string(), timezone: z.string(), createdAt: timestamp })
  .openapi("Workspace");
export const toWorkspace = (w: Workspace) => ({ id: w.id, name: w.name, timezone: w.timezone, createdAt: iso(w.createdAt) });

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

export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scope: z.enum(["read", "write"]),
    createdBy: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .openapi("ApiToken");
export const toToken = (t: Omit<TokenListing, "createdByName">) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  scope: t.scope,
  createdBy: t.createdBy,
  createdAt: iso(t.createdAt),
  lastUsedAt: isoOrNull(t.lastUsedAt),
  revokedAt: isoOrNull(t.revokedAt),
});

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
