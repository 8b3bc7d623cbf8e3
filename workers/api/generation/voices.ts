/** Brand voices: tone, audience, do and don't lists, banned words, example posts, language. */
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { auditEntry, auditIfChanged } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { brandVoices, type BrandVoice } from "../../../lib/db/schema";
import { notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import type { WorkspaceAccess } from "../types";
import { allow } from "./providers";

/** Lists arrive as arrays (API) or one entry per line (form); banned words may also be comma-separated. */
const lines = (max: number, each: number) =>
  z
    .union([z.array(z.string()), z.string().transform((s) => s.split(/\r?\n/))])
    .transform((list) => list.map((l) => l.trim()).filter(Boolean))
    .pipe(z.array(z.string().max(each, `each entry must be at most ${each} characters`)).max(max, `at most ${max} entries`));

export const voiceInput = z.object({
  name: z.string({ error: "is required" }).trim().min(1, "is required").max(120, "must be at most 120 characters"),
  tone: z.string().trim().max(500, "must be at most 500 characters").default(""),
  audience: z.string().trim().max(500, "must be at most 500 characters").default(""),
  dos: lines(20, 300).default([]),
  donts: lines(20, 300).default([]),
  bannedWords: z
    .union([z.array(z.string()), z.string().transform((s) => s.split(/[\n,]/))])
    .transform((list) => [...new Set(list.map((w) => w.trim().toLowerCase()).filter(Boolean))])
    .pipe(z.array(z.string().max(60, "each word must be at most 60 characters")).max(100, "at most 100 words"))
    .default([]),
  examples: lines(10, 3000).default([]),
  language: z.string().trim().toLowerCase().regex(/^[a-z]{2}$/, "must be a two-letter language code, for example en").default("en"),
});
export type VoiceInput = z.infer<typeof voiceInput>;

export function listVoices(db: Db, access: WorkspaceAccess): Promise<BrandVoice[]> {
  allow(access, "generation.view");
  return db.select().from(brandVoices).where(eq(brandVoices.workspaceId, access.workspace.id)).orderBy(asc(brandVoices.name)).all();
}

export async function getVoice(db: Db, access: WorkspaceAccess, id: string): Promise<BrandVoice> {
  allow(access, "generation.view");
  const row = await db.select().from(brandVoices).where(and(eq(brandVoices.id, id), eq(brandVoices.workspaceId, access.workspace.id))).get();
  if (!row) throw notFound("Brand voice not found");
  return row;
}

export async function createVoice(db: Db, access: WorkspaceAccess, input: VoiceInput): Promise<BrandVoice> {
  allow(access, "voices.manage");
  const id = newId("voi");
  const [rows] = await db.batch([
    db.insert(brandVoices).values({ id, workspaceId: access.workspace.id, ...input }).returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "brand_voice.created", targetType: "brand_voice", targetId: id, detail: { name: input.name } }),
  ]);
  return rows[0]!;
}

export async function updateVoice(db: Db, access: WorkspaceAccess, id: string, input: VoiceInput): Promise<BrandVoice> {
  allow(access, "voices.manage");
  const [rows] = await db.batch([
    db.update(brandVoices).set(input).where(and(eq(brandVoices.id, id), eq(brandVoices.workspaceId, access.workspace.id))).returning(),
    auditIfChanged(db, access.actor, { workspaceId: access.workspace.id, action: "brand_voice.updated", targetType: "brand_voice", targetId: id }),
  ]);
  if (!rows[0]) throw notFound("Brand voice not found");
  return rows[0];
}

export async function deleteVoice(db: Db, access: WorkspaceAccess, id: string): Promise<void> {
  allow(access, "voices.manage");
  const [rows] = await db.batch([
    db.delete(brandVoices).where(and(eq(brandVoices.id, id), eq(brandVoices.workspaceId, access.workspace.id))).returning({ id: brandVoices.id }),
    auditIfChanged(db, access.actor, { workspaceId: access.workspace.id, action: "brand_voice.deleted", targetType: "brand_voice", targetId: id }),
  ]);
  if (rows.length === 0) throw notFound("Brand voice not found");
}
