/**
 * AI providers of a workspace, in fallback order; their API keys are sealed at rest and never shown
 * again (only their last four characters). Also the price table and the monthly budget.
 */
import { and, asc, eq, gte, sql } from "drizzle-orm";
import { z } from "zod";
import { auditEntry, auditIfChanged } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { aiProviders, generationJobs, generationSettings, modelPrices, type AiProvider } from "../../../lib/db/schema";
import { can, type Permission } from "../../../lib/domain/roles";
import type { ProviderConfig } from "../../../lib/generation/chain";
import { seal, unseal, type SealContext } from "../../../lib/crypto/sealed";
import { DEFAULT_PRICES, monthStart, type Price } from "../../../lib/generation/prices";
import { refusedHost } from "../../../lib/http/address";
import { isLoopbackHost } from "../../../lib/http/safe-fetch";
import { AppError, forbidden, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import type { WorkspaceAccess } from "../types";

export function allow(access: WorkspaceAccess, permission: Permission): void {
  if (!can(access.role, permission)) throw forbidden();
}

const baseUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL, for example https://api.openai.com/v1" }).transform((u) => u.replace(/\/+$/, ""));

export const providerInput = z.object({
  name: z.string({ error: "is required" }).trim().min(1, "is required").max(80, "must be at most 80 characters"),
  baseUrl,
  model: z.string({ error: "is required" }).trim().min(1, "is required").max(120, "must be at most 120 characters"),
  imageModel: z.string().trim().max(120).nullish().transform((v) => v || null),
  apiKey: z.string().trim().max(500, "must be at most 500 characters").nullish().transform((v) => v || null),
  jsonMode: z.union([z.boolean(), z.enum(["on", "off", ""]).transform((v) => v === "on")]).default(false),
});
export type ProviderInput = z.infer<typeof providerInput>;

const sealedFor = (secret: string, providerId: string): SealContext => ({ secret, purpose: "ai-provider-key", rowId: providerId });

export function listProviders(db: Db, access: WorkspaceAccess): Promise<AiProvider[]> {
  allow(access, "generation.view");
  return db.select().from(aiProviders).where(eq(aiProviders.workspaceId, access.workspace.id)).orderBy(asc(aiProviders.position), asc(aiProviders.createdAt)).all();
}

export async function addProvider(db: Db, secret: string, access: WorkspaceAccess, input: ProviderInput, allowLoopback = false): Promise<AiProvider> {
  allow(access, "generation.configure");
  const url = new URL(input.baseUrl);
  if (!(allowLoopback && isLoopbackHost(url.hostname)) && refusedHost(url) !== null) {
    const problem = "must point at a public host, not a private or internal address";
    throw new AppError(422, "invalid_request", `baseUrl: ${problem}`, { baseUrl: problem });
  }
  const id = newId("prv");
  const last = await db.select({ n: sql<number>`COALESCE(MAX(position), -1)` }).from(aiProviders).where(eq(aiProviders.workspaceId, access.workspace.id)).get();
  const [rows] = await db.batch([
    db
      .insert(aiProviders)
      .values({
        id,
        workspaceId: access.workspace.id,
        name: input.name,
        baseUrl: input.baseUrl,
        model: input.model,
        imageModel: input.imageModel,
        apiKeySealed: input.apiKey ? await seal(sealedFor(secret, id), input.apiKey) : null,
        apiKeyHint: input.apiKey ? input.apiKey.slice(-4) : null,
        jsonMode: input.jsonMode,
        position: (last?.n ?? -1) + 1,
      })
      .returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "ai_provider.added", targetType: "ai_provider", targetId: id, detail: { name: input.name, baseUrl: input.baseUrl, model: input.model } }),
  ]);
  return rows[0]!;
}

export async function deleteProvider(db: Db, access: WorkspaceAccess, id: string): Promise<void> {
  allow(access, "generation.configure");
  const [rows] = await db.batch([
    db.delete(aiProviders).where(and(eq(aiProviders.id, id), eq(aiProviders.workspaceId, access.workspace.id))).returning({ id: aiProviders.id }),
    auditIfChanged(db, access.actor, { workspaceId: access.workspace.id, action: "ai_provider.deleted", targetType: "ai_provider", targetId: id }),
  ]);
  if (rows.length === 0) throw notFound("Provider not found");
}

/** Moves a provider one place earlier or later in the chain, swapping with its neighbour. */
export async function moveProvider(db: Db, access: WorkspaceAccess, id: string, direction: "up" | "down"): Promise<AiProvider[]> {
  const list = await listProviders(db, access);
  allow(access, "generation.configure");
  const at = list.findIndex((p) => p.id === id);
  if (at < 0) throw notFound("Provider not found");
  const other = list[direction === "up" ? at - 1 : at + 1];
  if (other) {
    const ordered = list.map((p) => p.id);
    [ordered[at], ordered[ordered.indexOf(other.id)]] = [other.id, id];
    await db.batch([
      auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "ai_provider.reordered", targetType: "ai_provider", targetId: id, detail: { direction } }),
      ...ordered.map((pid, position) => db.update(aiProviders).set({ position }).where(and(eq(aiProviders.id, pid), eq(aiProviders.workspaceId, access.workspace.id)))),
    ]);
  }
  return listProviders(db, access);
}

/** The chain as the generator uses it, keys opened (the secret is only asked for when there is a key). */
export async function providerChain(db: Db, secret: () => string, workspaceId: string): Promise<ProviderConfig[]> {
  const rows = await db.select().from(aiProviders).where(eq(aiProviders.workspaceId, workspaceId)).orderBy(asc(aiProviders.position), asc(aiProviders.createdAt)).all();
  return Promise.all(
    rows.map(async (p) => ({
      id: p.id,
      name: p.name,
      baseUrl: p.baseUrl,
      model: p.model,
      imageModel: p.imageModel,
      apiKey: p.apiKeySealed ? await unseal(sealedFor(secret(), p.id), p.apiKeySealed) : null,
      jsonMode: p.jsonMode,
    })),
  );
}

// ---- prices and budget ----

export const priceInput = z.object({
  model: z.string({ error: "is required" }).trim().min(1, "is required").max(120),
  inputPerMillion: z.coerce.number({ error: "must be a number" }).min(0, "must not be negative").max(10_000),
  outputPerMillion: z.coerce.number({ error: "must be a number" }).min(0, "must not be negative").max(10_000),
  perImage: z.coerce.number({ error: "must be a number" }).min(0, "must not be negative").max(100).default(0),
});

export const budgetInput = z.object({
  monthlyBudgetUsd: z.union([z.literal("").transform(() => null), z.null(), z.coerce.number({ error: "must be a number" }).min(0, "must not be negative").max(1_000_000)]),
});

export type PriceRow = Price & { model: string; custom: boolean };

/** The built-in prices overlaid with the workspace's own, for the models its providers use and any it priced. */
export async function priceTable(db: Db, access: WorkspaceAccess): Promise<PriceRow[]> {
  allow(access, "generation.view");
  const own = await db.select().from(modelPrices).where(eq(modelPrices.workspaceId, access.workspace.id)).all();
  const used = await db.select({ model: aiProviders.model, imageModel: aiProviders.imageModel }).from(aiProviders).where(eq(aiProviders.workspaceId, access.workspace.id)).all();
  const models = new Set([...used.flatMap((u) => [u.model, u.imageModel ?? ""]).filter(Boolean), ...own.map((o) => o.model), ...Object.keys(DEFAULT_PRICES)]);
  return [...models].sort().map((model) => {
    const mine = own.find((o) => o.model === model);
    const price = mine ?? DEFAULT_PRICES[model] ?? { inputPerMillion: 0, outputPerMillion: 0, perImage: 0 };
    return { model, inputPerMillion: price.inputPerMillion, outputPerMillion: price.outputPerMillion, perImage: price.perImage, custom: Boolean(mine) };
  });
}

export async function priceOf(db: Db, workspaceId: string, model: string): Promise<Price | undefined> {
  const own = await db.select().from(modelPrices).where(and(eq(modelPrices.workspaceId, workspaceId), eq(modelPrices.model, model))).get();
  return own ?? DEFAULT_PRICES[model];
}

export async function setPrice(db: Db, access: WorkspaceAccess, input: z.infer<typeof priceInput>): Promise<void> {
  allow(access, "generation.configure");
  await db.batch([
    db
      .insert(modelPrices)
      .values({ workspaceId: access.workspace.id, ...input })
      .onConflictDoUpdate({ target: [modelPrices.workspaceId, modelPrices.model], set: { inputPerMillion: input.inputPerMillion, outputPerMillion: input.outputPerMillion, perImage: input.perImage } }),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "model_price.set", targetType: "model_price", targetId: input.model, detail: input }),
  ]);
}

export type Budget = { monthlyBudgetUsd: number | null; spentUsd: number; since: Date; left: number | null };

export async function budgetOf(db: Db, workspaceId: string, now = new Date()): Promise<Budget> {
  const since = monthStart(now);
  const [settings, spent] = await Promise.all([
    db.select().from(generationSettings).where(eq(generationSettings.workspaceId, workspaceId)).get(),
    db.select({ total: sql<number>`COALESCE(SUM(${generationJobs.costUsd}), 0)` }).from(generationJobs).where(and(eq(generationJobs.workspaceId, workspaceId), gte(generationJobs.createdAt, since))).get(),
  ]);
  const limit = settings?.monthlyBudgetUsd ?? null;
  const spentUsd = spent?.total ?? 0;
  return { monthlyBudgetUsd: limit, spentUsd, since, left: limit === null ? null : Math.max(0, limit - spentUsd) };
}

export async function setBudget(db: Db, access: WorkspaceAccess, monthlyBudgetUsd: number | null): Promise<Budget> {
  allow(access, "generation.configure");
  await db.batch([
    db.insert(generationSettings).values({ workspaceId: access.workspace.id, monthlyBudgetUsd }).onConflictDoUpdate({ target: generationSettings.workspaceId, set: { monthlyBudgetUsd } }),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "generation_budget.set", targetType: "workspace", targetId: access.workspace.id, detail: { monthlyBudgetUsd } }),
  ]);
  return budgetOf(db, access.workspace.id);
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** Refuses a new job when this month's spending has reached the budget. */
export async function assertBudgetLeft(db: Db, workspaceId: string, now = new Date()): Promise<void> {
  const budget = await budgetOf(db, workspaceId, now);
  if (budget.monthlyBudgetUsd !== null && budget.spentUsd >= budget.monthlyBudgetUsd) {
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    throw new AppError(
      409,
      "budget_spent",
      `This workspace's generation budget for the month is spent (${usd(budget.spentUsd)} of ${usd(budget.monthlyBudgetUsd)}). An owner or admin can raise it in Generate → Providers; otherwise it renews on ${next.toISOString().slice(0, 10)}.`,
    );
  }
}
