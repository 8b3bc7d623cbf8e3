/** Generation under /api/v1: jobs (start, follow, cancel, retry), providers, brand voices, prices and budget. */
import { tokenKey } from "../../../lib/config/env";
import { allowsLoopback } from "../../../lib/http/loopback";
import { createRoute, z } from "@hono/zod-openapi";
import { JOB_KINDS, JOB_STATUSES, type AiProvider, type BrandVoice, type GenerationAttempt, type GenerationJob } from "../../../lib/db/schema";
import { PLATFORMS } from "../../../lib/domain/platforms";
import { jobInput } from "../../../lib/generation/request";
import { parseInput } from "../../../lib/http/validate";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, isoOrNull, json, noContent, pathParam, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { addProvider, budgetInput, budgetOf, deleteProvider, listProviders, moveProvider, priceInput, priceTable, providerInput, setBudget, setPrice } from "./providers";
import { cancelJob, createJob, getJob, listAttempts, listJobs, retryJob } from "./service";
import { createVoice, deleteVoice, getVoice, listVoices, updateVoice, voiceInput } from "./voices";

const tags = ["Generation"];
const jobParams = workspaceParams.extend({ jobId: pathParam("jobId") });
const providerParams = workspaceParams.extend({ providerId: pathParam("providerId") });
const voiceParams = workspaceParams.extend({ voiceId: pathParam("voiceId") });

const JobSchema = z
  .object({
    id: z.string(),
    kind: z.enum(JOB_KINDS),
    status: z.enum(JOB_STATUSES),
    progress: z.object({ done: z.number().int(), total: z.number().int(), label: z.string() }),
    offline: z.boolean().openapi({ description: "Written by the built-in extractive generator, not an LLM" }),
    provider: z.string().nullable(),
    model: z.string().nullable(),
    usage: z.object({ promptTokens: z.number().int(), completionTokens: z.number().int(), images: z.number().int(), costUsd: z.number(), cacheHits: z.number().int() }),
    error: z.string().nullable(),
    rawOutput: z.string().nullable().openapi({ description: "The model's answer when it could not be used" }),
    problems: z.array(z.string()).openapi({ description: "Output checks still failing after the repair attempt" }),
    contentId: z.string().nullable(),
    retryOf: z.string().nullable(),
    request: z.object({ topic: z.string().nullable(), itemIds: z.array(z.string()), brief: z.string().nullable(), platforms: z.array(z.string()), threads: z.boolean(), image: z.boolean(), voiceId: z.string().nullable(), regenerate: z.boolean() }),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  })
  .openapi("GenerationJob");
const toJob = (j: GenerationJob) => ({
  id: j.id,
  kind: j.kind,
  status: j.status,
  progress: { done: j.stepsDone, total: j.stepsTotal, label: j.stepLabel },
  offline: j.offline,
  provider: j.provider,
  model: j.model,
  usage: { promptTokens: j.promptTokens, completionTokens: j.completionTokens, images: j.images, costUsd: j.costUsd, cacheHits: j.cacheHits },
  error: j.error,
  rawOutput: j.rawOutput,
  problems: j.problems,
  contentId: j.contentId,
  retryOf: j.retryOf,
  request: j.request,
  createdAt: iso(j.createdAt),
  startedAt: isoOrNull(j.startedAt),
  finishedAt: isoOrNull(j.finishedAt),
});
const AttemptSchema = z
  .object({ provider: z.string(), model: z.string(), step: z.string(), ok: z.boolean(), httpStatus: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number().int(), at: timestamp })
  .openapi("GenerationAttempt");
const toAttempt = (a: GenerationAttempt) => ({ provider: a.provider, model: a.model, step: a.step, ok: a.ok, httpStatus: a.httpStatus, error: a.error, durationMs: a.durationMs, at: iso(a.createdAt) });

const JobInputDoc = z
  .object({
    kind: z.enum(JOB_KINDS),
    topic: z.string().optional().openapi({ description: "A trend's term (its current items are used) or any subject" }),
    itemIds: z.array(z.string()).optional(),
    brief: z.string().optional(),
    platforms: z.array(z.enum(PLATFORMS)).optional().openapi({ description: "For posts: one variant per platform" }),
    threads: z.boolean().optional().openapi({ description: "Also write threads for X, Bluesky and Threads" }),
    image: z.boolean().optional(),
    voiceId: z.string().optional(),
    regenerate: z.boolean().optional().openapi({ description: "Ignore answers cached in the last 24 hours" }),
  })
  .openapi("GenerationRequest");

const ProviderSchema = z
  .object({ id: z.string(), name: z.string(), baseUrl: z.string(), model: z.string(), imageModel: z.string().nullable(), hasApiKey: z.boolean(), apiKeyHint: z.string().nullable(), jsonMode: z.boolean(), position: z.number().int() })
  .openapi("AiProvider");
const toProvider = (p: AiProvider) => ({ id: p.id, name: p.name, baseUrl: p.baseUrl, model: p.model, imageModel: p.imageModel, hasApiKey: p.apiKeySealed !== null, apiKeyHint: p.apiKeyHint, jsonMode: p.jsonMode, position: p.position });
const ProviderInputDoc = z
  .object({ name: z.string(), baseUrl: z.string().openapi({ example: "https://api.openai.com/v1" }), model: z.string().openapi({ example: "gpt-4o-mini" }), imageModel: z.string().optional(), apiKey: z.string().optional().openapi({ description: "Write-only: stored encrypted, never returned" }), jsonMode: z.boolean().optional() })
  .openapi("AiProviderInput");

const VoiceSchema = z
  .object({ id: z.string(), name: z.string(), tone: z.string(), audience: z.string(), dos: z.array(z.string()), donts: z.array(z.string()), bannedWords: z.array(z.string()), examples: z.array(z.string()), language: z.string() })
  .openapi("BrandVoice");
const toVoice = (v: BrandVoice) => ({ id: v.id, name: v.name, tone: v.tone, audience: v.audience, dos: v.dos, donts: v.donts, bannedWords: v.bannedWords, examples: v.examples, language: v.language });
const VoiceInputDoc = z
  .object({ name: z.string(), tone: z.string().optional(), audience: z.string().optional(), dos: z.array(z.string()).optional(), donts: z.array(z.string()).optional(), bannedWords: z.array(z.string()).optional(), examples: z.array(z.string()).optional(), language: z.string().optional() })
  .openapi("BrandVoiceInput");

const PriceSchema = z.object({ model: z.string(), inputPerMillion: z.number(), outputPerMillion: z.number(), perImage: z.number(), custom: z.boolean() }).openapi("ModelPrice");
const BudgetSchema = z.object({ monthlyBudgetUsd: z.number().nullable(), spentUsd: z.number(), since: timestamp, left: z.number().nullable() }).openapi("GenerationBudget");
const toBudget = (b: Awaited<ReturnType<typeof budgetOf>>) => ({ monthlyBudgetUsd: b.monthlyBudgetUsd, spentUsd: b.spentUsd, since: iso(b.since), left: b.left });

export function generationApi(api: Api) {
  const base = "/v1/workspaces/{workspaceId}/generation";

  api.openapi(createRoute({ method: "get", path: `${base}/jobs`, tags, security, summary: "Generation jobs, newest first", request: { params: workspaceParams }, responses: { 200: json(z.object({ jobs: z.array(JobSchema) }), "Jobs"), ...errors } }), async (c) => {
    inTokenWorkspace(c, c.req.valid("param").workspaceId);
    authorize(c, "generation.view");
    return c.json({ jobs: (await listJobs(c.var.db, c.var.access)).map(toJob) }, 200);
  });

  api.openapi(
    createRoute({ method: "post", path: `${base}/jobs`, tags, security, summary: "Start a generation job (runs on the generate queue)", request: { params: workspaceParams, ...body(JobInputDoc) }, responses: { 202: json(JobSchema, "Queued"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "generation.run");
      const input = parseInput(jobInput, c.req.valid("json"));
      return c.json(toJob(await createJob(c.var.db, c.env.GENERATE_QUEUE, c.var.access, input)), 202);
    },
  );

  api.openapi(
    createRoute({ method: "get", path: `${base}/jobs/{jobId}`, tags, security, summary: "A job with its progress and every provider attempt", request: { params: jobParams }, responses: { 200: json(JobSchema.extend({ attempts: z.array(AttemptSchema) }), "The job"), ...errors } }),
    async (c) => {
      const { workspaceId, jobId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "generation.view");
      const job = await getJob(c.var.db, c.var.access, jobId);
      return c.json({ ...toJob(job), attempts: (await listAttempts(c.var.db, c.var.access, jobId)).map(toAttempt) }, 200);
    },
  );

  api.openapi(createRoute({ method: "post", path: `${base}/jobs/{jobId}/cancel`, tags, security, summary: "Cancel a queued or running job", request: { params: jobParams }, responses: { 200: json(JobSchema, "Cancelled"), ...errors } }), async (c) => {
    const { workspaceId, jobId } = c.req.valid("param");
    inTokenWorkspace(c, workspaceId);
    authorize(c, "generation.run");
    return c.json(toJob(await cancelJob(c.var.db, c.var.access, jobId)), 200);
  });

  api.openapi(createRoute({ method: "post", path: `${base}/jobs/{jobId}/retry`, tags, security, summary: "Run a failed or cancelled job again, as a new job", request: { params: jobParams }, responses: { 202: json(JobSchema, "The new job"), ...errors } }), async (c) => {
    const { workspaceId, jobId } = c.req.valid("param");
    inTokenWorkspace(c, workspaceId);
    authorize(c, "generation.run");
    return c.json(toJob(await retryJob(c.var.db, c.env.GENERATE_QUEUE, c.var.access, jobId)), 202);
  });

  api.openapi(createRoute({ method: "get", path: `${base}/providers`, tags, security, summary: "The provider chain, in fallback order", request: { params: workspaceParams }, responses: { 200: json(z.object({ providers: z.array(ProviderSchema) }), "Providers"), ...errors } }), async (c) => {
    inTokenWorkspace(c, c.req.valid("param").workspaceId);
    authorize(c, "generation.view");
    return c.json({ providers: (await listProviders(c.var.db, c.var.access)).map(toProvider) }, 200);
  });

  api.openapi(
    createRoute({ method: "post", path: `${base}/providers`, tags, security, summary: "Add a provider at the end of the chain", request: { params: workspaceParams, ...body(ProviderInputDoc) }, responses: { 201: json(ProviderSchema, "The provider"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "generation.configure");
      const input = parseInput(providerInput, c.req.valid("json"));
      return c.json(toProvider(await addProvider(c.var.db, tokenKey(c.env), c.var.access, input, allowsLoopback(c.env))), 201);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: `${base}/providers/{providerId}/move`, tags, security, summary: "Move a provider up or down the chain", request: { params: providerParams, ...body(z.object({ direction: z.enum(["up", "down"], { error: "must be up or down" }) })) }, responses: { 200: json(z.object({ providers: z.array(ProviderSchema) }), "The chain"), ...errors } }),
    async (c) => {
      const { workspaceId, providerId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "generation.configure");
      return c.json({ providers: (await moveProvider(c.var.db, c.var.access, providerId, c.req.valid("json").direction)).map(toProvider) }, 200);
    },
  );

  api.openapi(createRoute({ method: "delete", path: `${base}/providers/{providerId}`, tags, security, summary: "Remove a provider and its key", request: { params: providerParams }, responses: { 204: { description: "Deleted" }, ...errors } }), async (c) => {
    const { workspaceId, providerId } = c.req.valid("param");
    inTokenWorkspace(c, workspaceId);
    authorize(c, "generation.configure");
    await deleteProvider(c.var.db, c.var.access, providerId);
    return noContent();
  });

  api.openapi(createRoute({ method: "get", path: `${base}/voices`, tags, security, summary: "Brand voices", request: { params: workspaceParams }, responses: { 200: json(z.object({ voices: z.array(VoiceSchema) }), "Voices"), ...errors } }), async (c) => {
    inTokenWorkspace(c, c.req.valid("param").workspaceId);
    authorize(c, "generation.view");
    return c.json({ voices: (await listVoices(c.var.db, c.var.access)).map(toVoice) }, 200);
  });

  api.openapi(createRoute({ method: "post", path: `${base}/voices`, tags, security, summary: "Create a brand voice", request: { params: workspaceParams, ...body(VoiceInputDoc) }, responses: { 201: json(VoiceSchema, "The voice"), ...errors } }), async (c) => {
    inTokenWorkspace(c, c.req.valid("param").workspaceId);
    authorize(c, "voices.manage");
    return c.json(toVoice(await createVoice(c.var.db, c.var.access, parseInput(voiceInput, c.req.valid("json")))), 201);
  });

  api.openapi(createRoute({ method: "get", path: `${base}/voices/{voiceId}`, tags, security, summary: "A brand voice", request: { params: voiceParams }, responses: { 200: json(VoiceSchema, "The voice"), ...errors } }), async (c) => {
    const { workspaceId, voiceId } = c.req.valid("param");
    inTokenWorkspace(c, workspaceId);
    authorize(c, "generation.view");
    return c.json(toVoice(await getVoice(c.var.db, c.var.access, voiceId)), 200);
  });

  api.openapi(createRoute({ method: "put", path: `${base}/voices/{voiceId}`, tags, security, summary: "Replace a brand voice", request: { params: voiceParams, ...body(VoiceInputDoc) }, responses: { 200: json(VoiceSchema, "The voice"), ...errors } }), async (c) => {
    const { workspaceId, voiceId } = c.req.valid("param");
    inTokenWorkspace(c, workspaceId);
    authorize(c, "voices.manage");
    return c.json(toVoice(await updateVoice(c.var.db, c.var.access, voiceId, parseInput(voiceInput, c.req.valid("json")))), 200);
  });

  api.openapi(createRoute({ method: "delete", path: `${base}/voices/{voiceId}`, tags, security, summary: "Delete a brand voice", request: { params: voiceParams }, responses: { 204: { description: "Deleted" }, ...errors } }), async (c) => {
    const { workspaceId, voiceId } = c.req.valid("param");
    inTokenWorkspace(c, workspaceId);
    authorize(c, "voices.manage");
    await deleteVoice(c.var.db, c.var.access, voiceId);
    return noContent();
  });

  api.openapi(createRoute({ method: "get", path: `${base}/prices`, tags, security, summary: "The price table (US dollars per million tokens, per image)", request: { params: workspaceParams }, responses: { 200: json(z.object({ prices: z.array(PriceSchema) }), "Prices"), ...errors } }), async (c) => {
    inTokenWorkspace(c, c.req.valid("param").workspaceId);
    authorize(c, "generation.view");
    return c.json({ prices: await priceTable(c.var.db, c.var.access) }, 200);
  });

  api.openapi(
    createRoute({ method: "put", path: `${base}/prices`, tags, security, summary: "Set one model's price", request: { params: workspaceParams, ...body(z.object({ model: z.string(), inputPerMillion: z.number(), outputPerMillion: z.number(), perImage: z.number().optional() })) }, responses: { 200: json(z.object({ prices: z.array(PriceSchema) }), "Prices"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "generation.configure");
      await setPrice(c.var.db, c.var.access, parseInput(priceInput, c.req.valid("json")));
      return c.json({ prices: await priceTable(c.var.db, c.var.access) }, 200);
    },
  );

  api.openapi(createRoute({ method: "get", path: `${base}/budget`, tags, security, summary: "The monthly budget and this month's spending", request: { params: workspaceParams }, responses: { 200: json(BudgetSchema, "Budget"), ...errors } }), async (c) => {
    inTokenWorkspace(c, c.req.valid("param").workspaceId);
    authorize(c, "generation.view");
    return c.json(toBudget(await budgetOf(c.var.db, c.var.access.workspace.id)), 200);
  });

  api.openapi(
    createRoute({ method: "put", path: `${base}/budget`, tags, security, summary: "Set the monthly budget (null: no limit)", request: { params: workspaceParams, ...body(z.object({ monthlyBudgetUsd: z.number().nullable() })) }, responses: { 200: json(BudgetSchema, "Budget"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "generation.configure");
      const { monthlyBudgetUsd } = parseInput(budgetInput, c.req.valid("json"));
      return c.json(toBudget(await setBudget(c.var.db, c.var.access, monthlyBudgetUsd)), 200);
    },
  );
}
