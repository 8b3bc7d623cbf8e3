/** Campaigns group content; templates are reusable structures for posts, newsletters and articles. */
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { auditEntry } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { campaigns, CONTENT_KINDS, templates, type Campaign, type Template } from "../../../lib/db/schema";
import { PLATFORMS } from "../../../lib/domain/platforms";
import { can } from "../../../lib/domain/roles";
import { AppError, forbidden } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import type { WorkspaceAccess } from "../types";

export const campaignInput = z.object({
  name: z.string({ error: "is required" }).trim().min(1, "is required").max(120, "must be at most 120 characters"),
  description: z.string().max(2000, "must be at most 2,000 characters").default(""),
});

export const templateInput = z.object({
  name: z.string({ error: "is required" }).trim().min(1, "is required").max(120, "must be at most 120 characters"),
  kind: z.enum(CONTENT_KINDS, { error: `must be one of ${CONTENT_KINDS.join(", ")}` }),
  body: z.string({ error: "is required" }).min(1, "is required").max(50_000, "must be at most 50,000 characters"),
  platforms: z
    .union([z.array(z.string()), z.string().transform((s) => s.split(",").map((p) => p.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(PLATFORMS, { error: `each must be one of ${PLATFORMS.join(", ")}` })))
    .default([]),
});

function assertManager(access: WorkspaceAccess) {
  if (!can(access.role, "campaigns.manage")) throw forbidden();
}

const duplicate = (what: string, name: string) => new AppError(409, "duplicate_name", `A ${what} named “${name}” already exists.`, { name: "is already used" });

export function listCampaigns(db: Db, access: WorkspaceAccess): Promise<Campaign[]> {
  return db.select().from(campaigns).where(eq(campaigns.workspaceId, access.workspace.id)).orderBy(asc(campaigns.name)).all();
}

export async function createCampaign(db: Db, access: WorkspaceAccess, input: z.infer<typeof campaignInput>): Promise<Campaign> {
  assertManager(access);
  const taken = await db.select({ id: campaigns.id }).from(campaigns).where(and(eq(campaigns.workspaceId, access.workspace.id), eq(campaigns.name, input.name))).get();
  if (taken) throw duplicate("campaign", input.name);
  const id = newId("cmp");
  const [rows] = await db.batch([
    db.insert(campaigns).values({ id, workspaceId: access.workspace.id, ...input }).returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "campaign.created", targetType: "campaign", targetId: id, detail: { name: input.name } }),
  ]);
  return rows[0]!;
}

export function listTemplates(db: Db, access: WorkspaceAccess): Promise<Template[]> {
  return db.select().from(templates).where(eq(templates.workspaceId, access.workspace.id)).orderBy(asc(templates.name)).all();
}

export async function createTemplate(db: Db, access: WorkspaceAccess, input: z.infer<typeof templateInput>): Promise<Template> {
  assertManager(access);
  const taken = await db.select({ id: templates.id }).from(templates).where(and(eq(templates.workspaceId, access.workspace.id), eq(templates.name, input.name))).get();
  if (taken) throw duplicate("template", input.name);
  const id = newId("tpl");
  const [rows] = await db.batch([
    db.insert(templates).values({ id, workspaceId: access.workspace.id, ...input }).returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "template.created", targetType: "template", targetId: id, detail: { name: input.name } }),
  ]);
  return rows[0]!;
}

export async function getTemplate(db: Db, access: WorkspaceAccess, id: string): Promise<Template> {
  const row = await db.select().from(templates).where(and(eq(templates.id, id), eq(templates.workspaceId, access.workspace.id))).get();
  if (!row) throw new AppError(404, "not_found", "Template not found");
  return row;
}
