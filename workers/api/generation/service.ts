/**
 * Generation jobs: created here (checked, budgeted, queued), run by the `generate` queue consumer
 * (run.ts), cancelled or retried by people. Every query is scoped to the workspace.
 */
import { and, asc, desc, eq, inArray, lt } from "drizzle-orm";
import { auditEntry, auditIfChanged } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { brandVoices, generationAttempts, generationJobs, sourceItems, type GenerationAttempt, type GenerationJob, type JobRequest } from "../../../lib/db/schema";
import type { JobInput } from "../../../lib/generation/request";
import { AppError, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import { stamped, type GenerateMessage } from "../../../lib/queues/messages";
import { log } from "../../../lib/log";
import { workspaceTrends } from "../trends/service";
import type { WorkspaceAccess } from "../types";
import { allow, assertBudgetLeft } from "./providers";
import { isStalled, STALE_MS } from "./run";

export const isFinished = (job: Pick<GenerationJob, "status">) => job.status === "done" || job.status === "failed" || job.status === "cancelled";

/** Item ids must be the workspace's own; a topic brings its current items when none are given. */
async function resolveItems(db: Db, access: WorkspaceAccess, input: JobInput): Promise<string[]> {
  if (input.itemIds.length) {
    const found = await db.select({ id: sourceItems.id }).from(sourceItems).where(and(eq(sourceItems.workspaceId, access.workspace.id), inArray(sourceItems.id, input.itemIds))).all();
    const missing = input.itemIds.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) throw new AppError(422, "invalid_request", `itemIds: unknown items ${missing.join(", ")}`, { itemIds: `unknown items ${missing.join(", ")}` });
    return input.itemIds;
  }
  if (!input.topic) return [];
  const topic = (await workspaceTrends(db, access)).find((t) => t.term.toLowerCase() === input.topic!.toLowerCase());
  return topic ? topic.items.slice(0, 12).map((i) => i.id) : [];
}

export async function createJob(db: Db, queue: Queue, access: WorkspaceAccess, input: JobInput, retryOf: string | null = null): Promise<GenerationJob> {
  allow(access, "generation.run");
  if (input.voiceId) {
    const voice = await db.select({ id: brandVoices.id }).from(brandVoices).where(and(eq(brandVoices.id, input.voiceId), eq(brandVoices.workspaceId, access.workspace.id))).get();
    if (!voice) throw new AppError(422, "invalid_request", "voiceId: no such brand voice in this workspace", { voiceId: "no such brand voice in this workspace" });
  }
  await assertBudgetLeft(db, access.workspace.id);
  const request: JobRequest = {
    topic: input.topic,
    itemIds: await resolveItems(db, access, input),
    brief: input.brief,
    platforms: input.kind === "posts" ? input.platforms : [],
    threads: input.threads,
    image: input.image,
    voiceId: input.voiceId,
    regenerate: input.regenerate,
  };
  const id = newId("gen");
  const [rows] = await db.batch([
    db.insert(generationJobs).values({ id, workspaceId: access.workspace.id, createdBy: access.actor.userId, kind: input.kind, request, retryOf }).returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "generation.started", targetType: "generation_job", targetId: id, detail: { kind: input.kind, platforms: request.platforms, retryOf } }),
  ]);
  try {
    await queue.send(stamped({ type: "generate", jobId: id } satisfies GenerateMessage));
  } catch (error) {
    // Without its message the job would wait forever: say so on the row, where retry can pick it up.
    const failed = { status: "failed" as const, stepLabel: "Failed", error: "The job could not be queued; retry it.", finishedAt: new Date() };
    await db.update(generationJobs).set(failed).where(eq(generationJobs.id, id));
    log.error("generate_enqueue_failed", { jobId: id, error });
    return { ...rows[0]!, ...failed };
  }
  return rows[0]!;
}

export async function getJob(db: Db, access: WorkspaceAccess, id: string): Promise<GenerationJob> {
  allow(access, "generation.view");
  const job = await db.select().from(generationJobs).where(and(eq(generationJobs.id, id), eq(generationJobs.workspaceId, access.workspace.id))).get();
  if (!job) throw notFound("Generation job not found");
  return job;
}

export function listJobs(db: Db, access: WorkspaceAccess, limit = 50): Promise<GenerationJob[]> {
  allow(access, "generation.view");
  return db.select().from(generationJobs).where(eq(generationJobs.workspaceId, access.workspace.id)).orderBy(desc(generationJobs.createdAt), desc(generationJobs.id)).limit(limit).all();
}

export async function listAttempts(db: Db, access: WorkspaceAccess, jobId: string): Promise<GenerationAttempt[]> {
  await getJob(db, access, jobId);
  return db.select().from(generationAttempts).where(and(eq(generationAttempts.jobId, jobId), eq(generationAttempts.workspaceId, access.workspace.id))).orderBy(asc(generationAttempts.id)).all();
}

/** Stops a queued or running job: the consumer notices between steps and saves nothing. */
export async function cancelJob(db: Db, access: WorkspaceAccess, id: string): Promise<GenerationJob> {
  allow(access, "generation.run");
  const [rows] = await db.batch([
    db
      .update(generationJobs)
      .set({ status: "cancelled", stepLabel: "Cancelled", finishedAt: new Date() })
      .where(and(eq(generationJobs.id, id), eq(generationJobs.workspaceId, access.workspace.id), inArray(generationJobs.status, ["queued", "running"])))
      .returning(),
    auditIfChanged(db, access.actor, { workspaceId: access.workspace.id, action: "generation.cancelled", targetType: "generation_job", targetId: id }),
  ]);
  if (rows[0]) return rows[0];
  const job = await getJob(db, access, id);
  throw new AppError(409, "job_finished", `This job is already ${job.status}; there is nothing to cancel.`);
}

/** A failed, cancelled or stalled job runs again as a new job with the same request. */
export async function retryJob(db: Db, queue: Queue, access: WorkspaceAccess, id: string): Promise<GenerationJob> {
  const job = await getJob(db, access, id);
  const stalled = isStalled(job);
  if (job.status !== "failed" && job.status !== "cancelled" && !stalled) throw new AppError(409, "job_not_retryable", `Only failed, cancelled or stalled jobs can be retried; this one is ${job.status}.`);
  if (stalled) {
    // The old run died without finishing: close it, so it cannot also save a draft if it comes back.
    await db
      .update(generationJobs)
      .set({ status: "failed", stepLabel: "Failed", error: "Stalled: the run stopped without finishing, and was retried.", finishedAt: new Date() })
      .where(and(eq(generationJobs.id, job.id), eq(generationJobs.status, "running"), lt(generationJobs.heartbeatAt, new Date(Date.now() - STALE_MS))));
  }
  const r = job.request;
  return createJob(db, queue, access, { kind: job.kind, topic: r.topic, itemIds: r.itemIds, brief: r.brief, platforms: r.platforms as JobInput["platforms"], threads: r.threads, image: r.image, voiceId: r.voiceId, regenerate: r.regenerate }, job.id);
}

