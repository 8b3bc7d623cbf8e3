/**
 * Generation: the AI providers of a workspace (an ordered fallback chain), brand voices, jobs on the
 * `generate` queue with every provider attempt, the price table and monthly budget, and the 24-hour
 * cache of identical requests.
 */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users, workspaces } from "./accounts";
import { createdAt } from "./columns";
import { content } from "./content";

const workspaceId = () =>
  text("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" });

/** Any OpenAI-compatible endpoint; `position` orders the fallback chain (lowest first). */
export const aiProviders = sqliteTable(
  "ai_providers",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    name: text("name").notNull(),
    baseUrl: text("base_url").notNull(),
    model: text("model").notNull(),
    /** The images API model (dall-e-3, gpt-image-1, …); null when this provider makes no images. */
    imageModel: text("image_model"),
    /** AES-GCM sealed (lib/generation/key-vault.ts); null for servers without keys (Ollama). */
    apiKeySealed: text("api_key_sealed"),
    /** The last four characters of the key, so people can tell keys apart without seeing them. */
    apiKeyHint: text("api_key_hint"),
    /** Whether the server takes `response_format: {type: "json_object"}`. */
    jsonMode: integer("json_mode", { mode: "boolean" }).notNull().default(true),
    position: integer("position").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index("ai_providers_workspace_idx").on(t.workspaceId, t.position)],
);

export const brandVoices = sqliteTable(
  "brand_voices",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    name: text("name").notNull(),
    tone: text("tone").notNull().default(""),
    audience: text("audience").notNull().default(""),
    dos: text("dos", { mode: "json" }).$type<string[]>().notNull().default([]),
    donts: text("donts", { mode: "json" }).$type<string[]>().notNull().default([]),
    bannedWords: text("banned_words", { mode: "json" }).$type<string[]>().notNull().default([]),
    examples: text("examples", { mode: "json" }).$type<string[]>().notNull().default([]),
    /** ISO 639-1 code the text must be written in. */
    language: text("language").notNull().default("en"),
    createdAt: createdAt(),
  },
  (t) => [index("brand_voices_workspace_idx").on(t.workspaceId)],
);

export const JOB_KINDS = ["posts", "article", "newsletter"] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_STATUSES = ["queued", "running", "done", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** What a job was asked for; validated by lib/generation/request.ts before it is stored. */
export type JobRequest = {
  topic: string | null;
  itemIds: string[];
  brief: string | null;
  platforms: string[];
  threads: boolean;
  image: boolean;
  voiceId: string | null;
  regenerate: boolean;
};

export const generationJobs = sqliteTable(
  "generation_jobs",
  {
    id: text("id").primaryKey(),
    workspaceId: workspaceId(),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id),
    kind: text("kind", { enum: JOB_KINDS }).notNull(),
    status: text("status", { enum: JOB_STATUSES }).notNull().default("queued"),
    request: text("request", { mode: "json" }).$type<JobRequest>().notNull(),
    stepsTotal: integer("steps_total").notNull().default(1),
    stepsDone: integer("steps_done").notNull().default(0),
    stepLabel: text("step_label").notNull().default("Queued"),
    /** Written by the built-in extractive generator, not an LLM. */
    offline: integer("offline", { mode: "boolean" }).notNull().default(false),
    /** The provider and model that answered last. */
    provider: text("provider"),
    model: text("model"),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    images: integer("images").notNull().default(0),
    costUsd: real("cost_usd").notNull().default(0),
    cacheHits: integer("cache_hits").notNull().default(0),
    /** The provider's own message, or ours, when the job failed. */
    error: text("error"),
    /** The model's text when it could not be used (invalid JSON, wrong shape), for people to read. */
    rawOutput: text("raw_output"),
    /** Output checks still failing after the repair attempt, shown beside the draft. */
    problems: text("problems", { mode: "json" }).$type<string[]>().notNull().default([]),
    contentId: text("content_id").references(() => content.id, { onDelete: "set null" }),
    /** The job this one retries, if any. */
    retryOf: text("retry_of"),
    /** A running job's last sign of life: a stale one may be claimed again by a redelivered message. */
    heartbeatAt: integer("heartbeat_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("generation_jobs_workspace_idx").on(t.workspaceId, t.createdAt)],
);

/** Every call to a provider, failed or not, in order. */
export const generationAttempts = sqliteTable(
  "generation_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    jobId: text("job_id")
      .notNull()
      .references(() => generationJobs.id, { onDelete: "cascade" }),
    workspaceId: workspaceId(),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    step: text("step").notNull(),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    httpStatus: integer("http_status"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("generation_attempts_job_idx").on(t.jobId, t.id)],
);

/** US dollars per million tokens, and per image; overrides the built-in table (lib/generation/prices.ts). */
export const modelPrices = sqliteTable(
  "model_prices",
  {
    workspaceId: workspaceId(),
    model: text("model").notNull(),
    inputPerMillion: real("input_per_million").notNull().default(0),
    outputPerMillion: real("output_per_million").notNull().default(0),
    perImage: real("per_image").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.model] })],
);

export const generationSettings = sqliteTable("generation_settings", {
  workspaceId: text("workspace_id")
    .primaryKey()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  /** US dollars per calendar month (UTC); null means no limit. */
  monthlyBudgetUsd: real("monthly_budget_usd"),
});

/** Answers to identical requests (same endpoint, model, messages and parameters), reused for 24 hours. */
export const generationCache = sqliteTable(
  "generation_cache",
  {
    workspaceId: workspaceId(),
    key: text("key").notNull(),
    text: text("text").notNull(),
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.key] })],
);

export type AiProvider = typeof aiProviders.$inferSelect;
export type BrandVoice = typeof brandVoices.$inferSelect;
export type GenerationJob = typeof generationJobs.$inferSelect;
export type GenerationAttempt = typeof generationAttempts.$inferSelect;
export type ModelPrice = typeof modelPrices.$inferSelect;
