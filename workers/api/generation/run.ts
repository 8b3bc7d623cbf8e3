/**
 * Runs one generation job, step by step, for the `generate` queue consumer. The job row is claimed
 * first (so a redelivered message does not run it twice), progress is written after every step, a
 * cancel is noticed between steps, and the result becomes a draft through the content service, the
 * same way a person's draft does. Failures are recorded on the row with the provider's message, and
 * the model's raw text when its answer could not be used; nothing is thrown back at the queue.
 */
import { and, desc, eq, gt, inArray, lt, or } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "../../../lib/db/client";
import { log } from "../../../lib/log";
import { brandVoices, contentVariants, generationAttempts, generationCache, generationJobs, memberships, sourceItems, workspaces, type GenerationJob } from "../../../lib/db/schema";
import { fitToLimit, LIMITS, MAX_THREAD_PARTS, measure, PLATFORM_NAMES, PLATFORMS, type Platform } from "../../../lib/domain/platforms";
import { CACHE_TTL_MS, cacheKey } from "../../../lib/generation/cache-key";
import { chat, ChainFailed, image, type ChainOptions, type ChatRequest } from "../../../lib/generation/chain";
import { OFFLINE_LABEL, OfflineWriter, type SourceText } from "../../../lib/generation/offline";
import { articleOutput, imageOutput, newsletterOutput, postOutput, threadOutput, type PostOutput, type ThreadOutput } from "../../../lib/generation/outputs";
import { OutputInvalid, parseOutput } from "../../../lib/generation/parse";
import { composePost } from "../../../lib/generation/posts";
import { costOf, type Price } from "../../../lib/generation/prices";
import { articlePrompt, fixProblems, followUp, imagePrompt, newsletterPrompt, postPrompt, threadPrompt, tooLong, type Material } from "../../../lib/generation/prompts";
import { THREAD_PLATFORMS } from "../../../lib/generation/request";
import { htmlToText } from "../../../lib/generation/text";
import { checkText, type Voice } from "../../../lib/generation/voice";
import { AppError } from "../../../lib/http/errors";
import { createContent } from "../content/service";
import { uploadMedia } from "../media/service";
import type { WorkspaceAccess } from "../types";
import { priceOf, providerChain } from "./providers";

export type RunContext = {
  db: Db;
  bucket: R2Bucket;
  /** The secret that opens the providers' sealed API keys. */
  secret: () => string;
  chainOptions: Omit<ChainOptions, "onAttempt">;
};

/**
 * A running job whose heartbeat is older than this was abandoned (its isolate was stopped, say by a
 * deploy): a redelivered message may claim it again, and people may retry it. Heartbeats are written
 * at every step and every provider attempt, which is well within this.
 */
export const STALE_MS = 120_000;

export const isStalled = (job: Pick<GenerationJob, "status" | "heartbeatAt">, now = Date.now()) =>
  job.status === "running" && (job.heartbeatAt?.getTime() ?? 0) < now - STALE_MS;

/**
 * What the consumer should do with the message: `settled` (the job ran here, or had already
 * finished), or `busy` (another delivery is running it right now: try again once its heartbeat
 * would have gone stale, in case that run dies).
 */
export type RunOutcome = "settled" | "busy";

async function claim(db: Db, jobId: string): Promise<GenerationJob | undefined> {
  const now = Date.now();
  return db
    .update(generationJobs)
    .set({ status: "running", startedAt: new Date(now), heartbeatAt: new Date(now), stepLabel: "Starting" })
    .where(and(eq(generationJobs.id, jobId), or(eq(generationJobs.status, "queued"), and(eq(generationJobs.status, "running"), lt(generationJobs.heartbeatAt, new Date(now - STALE_MS))))))
    .returning()
    .get();
}

async function creatorAccess(db: Db, job: GenerationJob): Promise<WorkspaceAccess> {
  const row = await db
    .select({ workspace: workspaces, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(and(eq(memberships.workspaceId, job.workspaceId), eq(memberships.userId, job.createdBy)))
    .get();
  if (!row) throw new AppError(403, "forbidden", "The person who started this job is no longer a member of the workspace.");
  return { workspace: row.workspace, role: row.role, actor: { userId: job.createdBy } };
}

async function loadSources(db: Db, workspaceId: string, ids: string[]): Promise<SourceText[]> {
  if (ids.length === 0) return [];
  const rows = await db.select().from(sourceItems).where(and(eq(sourceItems.workspaceId, workspaceId), inArray(sourceItems.id, ids))).all();
  // In the order the job named them (the topic's best items first).
  return ids
    .map((id) => rows.find((r) => r.id === id))
    .filter((r) => r !== undefined)
    .map((r) => ({ title: r.title, url: r.url, text: [r.summary ? htmlToText(r.summary) : "", r.contentHtml ? htmlToText(r.contentHtml) : ""].filter(Boolean).join("\n") }));
}

type Step = { label: string; run: () => Promise<void> };

export async function runJob(ctx: RunContext, jobId: string): Promise<RunOutcome> {
  const { db } = ctx;
  const job = await claim(db, jobId);
  if (!job) {
    const current = await db.select({ status: generationJobs.status }).from(generationJobs).where(eq(generationJobs.id, jobId)).get();
    return current?.status === "running" ? "busy" : "settled";
  }
  const request = job.request;
  const usage = { promptTokens: 0, completionTokens: 0, images: 0, costUsd: 0, cacheHits: 0 };
  let answeredBy: { provider: string; model: string } | null = null;

  const write = (set: Partial<typeof generationJobs.$inferInsert>) =>
    db
      .update(generationJobs)
      .set({ ...set, ...usage, ...(answeredBy ?? {}), heartbeatAt: new Date() })
      .where(and(eq(generationJobs.id, job.id), eq(generationJobs.status, "running")))
      .returning({ id: generationJobs.id })
      .get();

  try {
    const access = await creatorAccess(db, job);
    const [chain, voiceRow, sources, recentRows] = await Promise.all([
      providerChain(db, ctx.secret, job.workspaceId),
      request.voiceId ? db.select().from(brandVoices).where(and(eq(brandVoices.id, request.voiceId), eq(brandVoices.workspaceId, job.workspaceId))).get() : undefined,
      loadSources(db, job.workspaceId, request.itemIds),
      db.select({ platform: contentVariants.platform, text: contentVariants.text }).from(contentVariants).where(eq(contentVariants.workspaceId, job.workspaceId)).orderBy(desc(contentVariants.createdAt)).limit(50).all(),
    ]);
    const voice: Voice | null = voiceRow ?? null;
    const material: Material = { topic: request.topic, brief: request.brief, sources };
    const offline = chain.length === 0;
    const recent = (platform: Platform) => recentRows.filter((r) => r.platform === platform && r.text).map((r) => r.text);
    const platforms = request.platforms.filter((p): p is Platform => (PLATFORMS as readonly string[]).includes(p));
    const problems: string[] = [];
    /** Per platform: the post, and where a thread was asked for, the posts that follow it as replies. */
    const variants = new Map<Platform, { text: string; title: string | null; thread?: string[] }>();
    const result = { title: "", body: "", tags: [] as string[] };
    let imageBrief: { prompt: string; altText: string } | null = null;

    const chainOptions: ChainOptions = {
      ...ctx.chainOptions,
      onAttempt: async (a) => {
        await db.batch([
          db.insert(generationAttempts).values({ jobId: job.id, workspaceId: job.workspaceId, ...a }),
          db.update(generationJobs).set({ heartbeatAt: new Date() }).where(and(eq(generationJobs.id, job.id), eq(generationJobs.status, "running"))),
        ]);
      },
    };

    const prices = new Map<string, Promise<Price | undefined>>();
    const price = (model: string) => {
      if (!prices.has(model)) prices.set(model, priceOf(db, job.workspaceId, model));
      return prices.get(model)!;
    };

    /** One structured answer: from the 24-hour cache unless regenerating, else from the chain. */
    const ask = async <S extends z.ZodType>(schema: S, chatRequest: ChatRequest): Promise<{ value: z.infer<S>; raw: string }> => {
      const key = await cacheKey(chain[0]!, chatRequest);
      const cached = request.regenerate
        ? undefined
        : await db.select().from(generationCache).where(and(eq(generationCache.workspaceId, job.workspaceId), eq(generationCache.key, key), gt(generationCache.createdAt, new Date(Date.now() - CACHE_TTL_MS)))).get();
      if (cached) {
        usage.cacheHits++;
        return { value: parseOutput(schema, cached.text), raw: cached.text };
      }
      const answer = await chat(chain, chatRequest, chainOptions);
      answeredBy = { provider: answer.provider.name, model: answer.provider.model };
      usage.promptTokens += answer.promptTokens;
      usage.completionTokens += answer.completionTokens;
      usage.costUsd += costOf(await price(answer.provider.model), { promptTokens: answer.promptTokens, completionTokens: answer.completionTokens, images: 0 });
      const value = parseOutput(schema, answer.text);
      await db
        .insert(generationCache)
        .values({ workspaceId: job.workspaceId, key, text: answer.text, promptTokens: answer.promptTokens, completionTokens: answer.completionTokens })
        .onConflictDoUpdate({ target: [generationCache.workspaceId, generationCache.key], set: { text: answer.text, createdAt: new Date() } });
      return { value, raw: answer.text };
    };

    /**
     * Checks what a step made (after `shape` turned the answer into it) and, when a check fails, asks
     * once for a repair; what still fails is kept on the job for people to see.
     */
    const checked = async <S extends z.ZodType, T>(
      label: string,
      prompt: ChatRequest,
      schema: S,
      first: { value: z.infer<S>; raw: string },
      shape: (value: z.infer<S>) => T,
      textOf: (made: T) => string,
      platform?: Platform,
    ): Promise<T> => {
      const context = { voice, recent: platform ? recent(platform) : [], ...(platform ? { platform } : {}) };
      const made = shape(first.value);
      const found = checkText(textOf(made), context);
      if (found.length === 0) return made;
      const repaired = shape((await ask(schema, followUp(prompt, first.raw, fixProblems(found)))).value);
      problems.push(...checkText(textOf(repaired), context).map((p) => `${label}: ${p}`));
      return repaired;
    };

    const writer = offline ? new OfflineWriter(material) : null;
    const steps: Step[] = [];
    const wantsThread = (p: Platform) => request.threads && THREAD_PLATFORMS.includes(p);

    if (job.kind === "posts") {
      for (const platform of platforms) {
        const name = PLATFORM_NAMES[platform];
        // A thread's first post is the variant's post: no separate single post is written for it.
        if (!wantsThread(platform)) {
          steps.push({
            label: `Writing the ${name} post`,
            run: async () => {
              if (writer) {
                variants.set(platform, { text: writer.post(platform), title: platform === "youtube" ? fitToLimit("youtube", writer.headline()) : null });
                return;
              }
              const prompt = postPrompt(platform, voice, material);
              const compose = (v: PostOutput) => composePost(platform, v.text, v.hashtags);
              let answer = await ask(postOutput, prompt);
              const overBy = compose(answer.value).overBy;
              // Over the limit: asked once to rewrite shorter; composePost shortens whatever still is.
              if (overBy > 0) answer = await ask(postOutput, followUp(prompt, answer.raw, tooLong(platform, overBy)));
              const post = await checked(name, prompt, postOutput, answer, compose, (v) => v.text, platform);
              variants.set(platform, { text: post.text, title: platform === "youtube" ? fitToLimit("youtube", request.topic ?? sources[0]?.title ?? post.text) : null });
            },
          });
        } else {
          steps.push({
            label: `Writing the ${name} thread`,
            run: async () => {
              let parts: string[];
              if (writer) parts = writer.thread(platform);
              else {
                const prompt = threadPrompt(platform, voice, material);
                const answer = await ask(threadOutput, prompt);
                const fit = (v: ThreadOutput) => v.posts.map((p, i) => (i === 0 ? composePost(platform, p, v.hashtags).text : fitToLimit(platform, p)));
                parts = await checked(`${name} thread`, prompt, threadOutput, answer, fit, (v) => v.join("\n\n"));
              }
              // Every part was fitted to the limit; one the platform would still refuse (a forbidden
              // character, too many links) is left out and said, rather than failing the whole draft.
              const kept = parts.filter((p, i) => {
                const m = measure(platform, p);
                if (!m.ok) problems.push(`${name} thread: post ${i + 1} left out (${m.problems.join("; ")})`);
                return m.ok && p.trim() !== "";
              });
              const [first = "", ...rest] = kept.slice(0, MAX_THREAD_PARTS + 1);
              variants.set(platform, { text: first, title: null, thread: rest });
            },
          });
        }
      }
      if (request.image && chain.some((p) => p.imageModel)) steps.push({ label: "Describing the image", run: async () => void (imageBrief = (await ask(imageOutput, imagePrompt(voice, material))).value) });
    } else if (job.kind === "article") {
      steps.push({
        label: "Writing the article",
        run: async () => {
          if (writer) return void Object.assign(result, writer.article());
          const prompt = articlePrompt(voice, material);
          const answer = await ask(articleOutput, prompt);
          const article = await checked("Article", prompt, articleOutput, answer, (v) => v, (v) => `${v.title}\n\n${v.body}`);
          Object.assign(result, { title: article.title, body: article.body, tags: article.tags });
          if (article.imagePrompt) imageBrief = { prompt: article.imagePrompt, altText: article.altText || article.title };
        },
      });
    } else {
      steps.push({
        label: "Writing the newsletter issue",
        run: async () => {
          if (writer) return void Object.assign(result, writer.newsletter());
          const prompt = newsletterPrompt(voice, material);
          const answer = await ask(newsletterOutput, prompt);
          const issue = await checked("Newsletter", prompt, newsletterOutput, answer, (v) => v, (v) => [v.subject, v.intro, ...v.sections.map((s) => s.summary), v.outro].join("\n\n"));
          const sections = issue.sections.map((s) => [`## ${s.heading}`, s.summary, s.url ? `[Read more](${s.url})` : ""].filter(Boolean).join("\n\n"));
          Object.assign(result, { title: issue.subject, body: [issue.intro, ...sections, issue.outro].filter(Boolean).join("\n\n"), tags: [] });
        },
      });
    }
    // Assigned inside a step's closure, hence the widened type.
    let illustration = null as { id: string; altText: string } | null;
    if (request.image && offline) problems.push("No image: images need an AI provider with an image model; the offline generator does not draw.");
    else if (request.image && job.kind !== "newsletter") {
      if (!chain.some((p) => p.imageModel)) problems.push("No image: none of the providers has an image model set.");
      else
        steps.push({
          label: "Generating the image",
          run: async () => {
            if (!imageBrief) return void problems.push("No image: the model gave no image description.");
            const picture = await image(chain, imageBrief.prompt, chainOptions);
            usage.images++;
            usage.costUsd += costOf(await price(picture.provider.imageModel!), { promptTokens: 0, completionTokens: 0, images: 1 });
            const stored = await uploadMedia(db, ctx.bucket, access, { name: `generated-${job.id}.png`, bytes: picture.bytes, altText: imageBrief.altText.slice(0, 1000) });
            illustration = { id: stored.id, altText: stored.altText };
          },
        });
    }

    // The plan goes out with the first progress write; each write also says whether to go on.
    const total = steps.length + 1;
    const plan = { stepsTotal: total, offline, ...(offline ? { provider: "offline", model: null } : {}) };
    for (const [i, step] of steps.entries()) {
      if (!(await write({ ...(i === 0 ? plan : {}), stepsDone: i, stepLabel: step.label }))) return "settled";
      await step.run();
    }
    if (!(await write({ ...(steps.length === 0 ? plan : {}), stepsDone: steps.length, stepLabel: "Saving the draft" }))) return "settled";

    const sourceList = sources.filter((s) => s.url).map((s) => `- [${s.title.replace(/[[\]]/g, "")}](${s.url})`);
    const tags = [...(offline ? [OFFLINE_LABEL] : []), ...result.tags].slice(0, 20);
    const withImage = (p: Platform) => (illustration && LIMITS[p].media.rules.some((r) => r.mimes.includes("image/png")) ? [illustration.id] : []);
    const item =
      job.kind === "posts"
        ? await createContent(db, access, {
            kind: "post",
            title: (request.topic ?? writer?.headline() ?? request.brief ?? sources[0]?.title ?? "Generated post").slice(0, 300),
            body: sourceList.length ? `Sources:\n\n${sourceList.join("\n")}` : "",
            tags,
            campaignId: null,
            brandVoice: voice?.name ?? null,
            variants: [...variants].map(([platform, v]) => ({ platform, text: v.text, title: v.title, link: null, mediaIds: withImage(platform), thread: v.thread ?? [] })),
          })
        : await createContent(db, access, {
            kind: job.kind === "article" ? "article" : "newsletter",
            title: result.title.slice(0, 300),
            // An article's illustration leads its body; posts carry theirs as variant media.
            body: illustration ? `![${illustration.altText.replace(/[[\]]/g, "")}](/w/${job.workspaceId}/media/${illustration.id}/file)\n\n${result.body}` : result.body,
            tags: [...new Set(tags.map((t) => t.toLowerCase()))],
            campaignId: null,
            brandVoice: voice?.name ?? null,
            variants: [],
          });
    await write({ status: "done", stepsDone: total, stepLabel: "Done", contentId: item.id, problems, finishedAt: new Date() });
  } catch (error) {
    const message =
      error instanceof ChainFailed || error instanceof OutputInvalid || error instanceof AppError ? error.message : "Generation stopped on an internal error; it was logged.";
    if (!(error instanceof ChainFailed || error instanceof OutputInvalid || error instanceof AppError)) {
      log.error("generation_failed", { jobId: job.id, error });
    }
    await write({ status: "failed", stepLabel: "Failed", error: message, rawOutput: error instanceof OutputInvalid ? error.raw : null, finishedAt: new Date() });
  }
  return "settled";
}


/** Marks a job that overran its deadline as failed; a no-op if it finished meanwhile. */
export async function abandonJob(db: Db, jobId: string, deadlineMs: number): Promise<void> {
  log.error("generation_overran", { jobId });
  await db
    .update(generationJobs)
    .set({ status: "failed", stepLabel: "Failed", error: `Stopped after ${Math.round(deadlineMs / 60_000)} minutes without finishing; retry it.`, finishedAt: new Date() })
    .where(and(eq(generationJobs.id, jobId), eq(generationJobs.status, "running")));
}

/** Cached answers older than a day are never read again. */
export async function forgetExpiredAnswers(db: Db): Promise<void> {
  await db.delete(generationCache).where(lt(generationCache.createdAt, new Date(Date.now() - CACHE_TTL_MS)));
}
