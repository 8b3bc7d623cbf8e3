/**
 * Publishing one publication, at most once. The publication is claimed in D1 with a conditional
 * UPDATE (only one caller can move it to `publishing`), so an alarm that runs twice, a sweep and a
 * retry can all ask and only one posts. Before any second attempt the connector first looks for the
 * post on the account: an earlier attempt whose answer was lost may have made it. "Published" is
 * written only with the platform's id for the post; every failure keeps the platform's own words.
 */
import { and, asc, eq, inArray, lt, lte, not, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { database, type Db } from "../../lib/db/client";
import { log } from "../../lib/log";
import { content, contentEvents, contentVariants, media, notifications, publications, socialAccounts, variantMedia, type Publication } from "../../lib/db/schema";
import { config } from "../../lib/config/env";
import { publicMediaUrl } from "../../lib/media/public-url";
import { hasThreads, PLATFORM_NAMES, type Platform } from "../../lib/domain/platforms";
import { openAccountSession } from "./account-session";
import { mailFailureNotice } from "./notices";
import { emitWebhookEvent } from "../../lib/webhooks/emit";
import { firstPullAt } from "./metrics/schedule";
import { CONNECTORS } from "./connectors";
import { POSTING_LIMITS } from "./connectors/limits";
import type { RateLimiter } from "../../durable-objects/rate-limiter";
import { PlatformError, type AccountSession, type OutgoingPost } from "./connectors/types";

/** A `publishing` claim older than this belongs to a run that died; it may be taken over (look first). */
export const CLAIM_LEASE_MS = 2 * 60_000;
export const MAX_ATTEMPTS = 6;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 30 * 60_000;

/** `leaseMs` shortens the claim lease, for tests only. */
export type PublishOptions = { now?: () => number; timeoutMs?: number; random?: () => number; leaseMs?: number };

/** What the scheduler does next with this publication: nothing, or try again at `retryAt`. */
export type PublishOutcome = { status: "published" | "failed" | "skipped" } | { status: "retry" | "waiting"; retryAt: number };

// Where account credentials are sealed and opened (account-session.ts); exported here for the api Worker too.
export { credentialsSeal } from "./account-session";

/** Exponential backoff with full jitter: spread retries so a platform's recovery is not a stampede. */
export function backoff(attempt: number, random = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

async function claim(db: Db, id: string, now: number, leaseMs: number): Promise<Publication | undefined> {
  const [claimed] = await db
    .update(publications)
    .set({ status: "publishing", attempts: sql`${publications.attempts} + 1`, updatedAt: new Date(now) })
    .where(
      and(
        eq(publications.id, id),
        lte(publications.scheduledAt, new Date(now + 1000)),
        or(
          inArray(publications.status, ["scheduled", "waiting", "unknown"]),
          and(eq(publications.status, "publishing"), lt(publications.updatedAt, new Date(now - leaseMs))),
        ),
      ),
    )
    .returning();
  return claimed;
}

/**
 * Runs a platform call while renewing the claim every half lease, so a long one (a video upload,
 * TikTok's moderation wait) is not mistaken for a dead run and taken over by a second caller.
 */
async function whileHeld<T>(db: Db, publicationId: string, leaseMs: number, call: () => Promise<T>): Promise<T> {
  const beat = setInterval(() => {
    db.update(publications)
      .set({ updatedAt: new Date() })
      .where(and(eq(publications.id, publicationId), eq(publications.status, "publishing")))
      .run()
      .catch((err: unknown) => log.error("claim_renewal_failed", { publicationId, error: err }));
  }, leaseMs / 2);
  try {
    return await call();
  } finally {
    clearInterval(beat);
  }
}

async function outgoingPost(env: Env, db: Db, publication: Publication): Promise<OutgoingPost> {
  const [variant, files] = await Promise.all([
    db.select().from(contentVariants).where(and(eq(contentVariants.id, publication.variantId), eq(contentVariants.workspaceId, publication.workspaceId))).get(),
    db
      .select({ id: media.id, r2Key: media.r2Key, mime: media.mime, alt: media.altText, width: media.width, height: media.height })
      .from(variantMedia)
      .innerJoin(media, eq(media.id, variantMedia.mediaId))
      .where(and(eq(variantMedia.variantId, publication.variantId), eq(media.workspaceId, publication.workspaceId)))
      .orderBy(asc(variantMedia.position))
      .all(),
  ]);
  if (!variant) throw new PlatformError("rejected", "The variant to publish no longer exists");
  // Only X, Bluesky, Threads and Mastodon publish a chain of replies; the API refuses a thread
  // elsewhere, and this keeps one written some other way from going out as a single post.
  if (variant.thread.length && !hasThreads(variant.platform as Platform)) {
    throw new PlatformError("rejected", `${PLATFORM_NAMES[variant.platform as Platform] ?? variant.platform} has no threads: this variant's ${variant.thread.length} later posts cannot be published there`);
  }
  const loaded = await Promise.all(
    files.map(async (file) => {
      const object = await env.MEDIA.get(file.r2Key);
      if (!object) throw new PlatformError("rejected", "A media file of this post is missing from storage");
      // Platforms that take media only by URL fetch it from the api Worker through a signed link.
      const publicUrl = env.PUBLIC_BASE_URL ? await publicMediaUrl(config(env).SESSION_SECRET, env.PUBLIC_BASE_URL, { mediaId: file.id, workspaceId: publication.workspaceId }) : undefined;
      return { bytes: new Uint8Array(await object.arrayBuffer()), mime: file.mime, alt: file.alt, width: file.width, height: file.height, ...(publicUrl ? { publicUrl } : {}) };
    }),
  );
  return {
    text: variant.text,
    thread: variant.thread,
    link: variant.link,
    title: variant.title,
    media: loaded,
    idempotencyKey: publication.idempotencyKey,
    createdAt: publication.createdAt,
    pending: publication.pendingRef,
    async notePending(value) {
      await db.update(publications).set({ pendingRef: value }).where(eq(publications.id, publication.id));
    },
  };
}

async function accountSession(env: Env, db: Db, accountId: string, workspaceId: string, timeoutMs?: number): Promise<{ platform: Platform; session: AccountSession }> {
  const opened = await openAccountSession(env, db, accountId, workspaceId, timeoutMs);
  if (!opened) throw new PlatformError("rejected", "The account to publish to is no longer connected");
  return opened;
}

/**
 * The content item follows its publications: `publishing` while any is under way, `published` when
 * all went out, `failed` when one failed for good. A failure tells the author and the workspace's
 * owners and admins in the app, with the platform's message, and lands on the item's timeline.
 */
/** Returns whether the item changed state (for a failure: whether this is news to tell). */
async function followContent(db: Db, publication: Publication, outcome: "started" | "published" | "failed", message: string | null, now: number, settle?: BatchItem<"sqlite">): Promise<boolean> {
  const { contentId, workspaceId } = publication;
  // Each statement after the guarded UPDATE runs only if the one before it wrote a row (changes()).
  const event = (kind: string, from: string, to: string) =>
    db.insert(contentEvents).select(sql`SELECT NULL, ${workspaceId}, ${contentId}, NULL, ${kind}, ${from}, ${to}, ${message}, ${now} WHERE changes() > 0`);
  const item = and(eq(content.id, contentId), eq(content.workspaceId, workspaceId));
  if (outcome === "started") {
    const [changed] = await db.batch([
      db.update(content).set({ status: "publishing", updatedAt: new Date(now) }).where(and(item, eq(content.status, "scheduled"))),
      event("start_publishing", "scheduled", "publishing"),
    ]);
    return changed.meta.changes > 0;
  } else if (outcome === "published") {
    const othersPending = sql`EXISTS (SELECT 1 FROM publications WHERE content_id = ${contentId} AND status NOT IN ('published', 'cancelled'))`;
    const follow = [
      db.update(content).set({ status: "published", publishedAt: new Date(now), updatedAt: new Date(now) }).where(and(item, eq(content.status, "publishing"), not(othersPending))),
      event("mark_published", "publishing", "published"),
    ] as const;
    // The publication's own update goes first in the same batch: one round trip, and the item's check sees it.
    if (settle) return (await db.batch([settle, ...follow]))[1].meta.changes > 0;
    return (await db.batch(follow))[0].meta.changes > 0;
  } else {
    const told = sql`SELECT author_id AS user_id FROM content WHERE id = ${contentId}
      UNION SELECT user_id FROM memberships WHERE workspace_id = ${workspaceId} AND role IN ('owner', 'admin')`;
    const [changed] = await db.batch([
      db.update(content).set({ status: "failed", updatedAt: new Date(now) }).where(and(item, inArray(content.status, ["scheduled", "publishing"]))),
      event("mark_failed", "publishing", "failed"),
      db.insert(notifications).select(sql`SELECT NULL, ${workspaceId}, r.user_id, 'publish_failed', ${contentId}, NULL, ${`Publishing failed: ${message}`}, NULL, ${now} FROM (${told}) AS r WHERE changes() > 0`),
    ]);
    return changed.meta.changes > 0;
  }
}

export async function publishPublication(env: Env, publicationId: string, options: PublishOptions = {}): Promise<PublishOutcome> {
  const db = database(env.DB);
  const now = options.now ?? Date.now;
  const leaseMs = options.leaseMs ?? CLAIM_LEASE_MS;
  const publication = await claim(db, publicationId, now(), leaseMs);
  if (!publication) return { status: "skipped" };
  const settle = (values: SQLiteUpdateSetSource<typeof publications>) =>
    db
      .update(publications)
      .set({ ...values, updatedAt: new Date(now()) })
      .where(and(eq(publications.id, publication.id), eq(publications.status, "publishing")));
  let limiter: DurableObjectStub<RateLimiter> | null = null;
  try {
    const timeoutMs = options.timeoutMs ?? (Number(env.PUBLISH_TIMEOUT_MS) || undefined);
    // Independent reads side by side: every millisecond here is lag on the post's second.
    const [, { platform, session }, post] = await Promise.all([
      followContent(db, publication, "started", null, now()),
      accountSession(env, db, publication.accountId, publication.workspaceId, timeoutMs),
      outgoingPost(env, db, publication),
    ]);
    limiter = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`${platform}:${publication.accountId}`));
    const connector = CONNECTORS[platform];
    if (!connector) throw new PlatformError("rejected", `Publishing to ${platform} is not supported yet`);
    const problems = connector.validate(post);
    if (problems.length) throw new PlatformError("rejected", problems.join("; "));
    // After any earlier attempt or error, look first: it may have posted before its answer was lost.
    const earlier = publication.attempts > 1 || publication.lastError !== null;
    let ref = earlier ? await connector.find(session, post) : null;
    if (!ref) {
      const limits = POSTING_LIMITS[platform];
      // A thread is one post per part against the platform's limits.
      const grant = await limiter.reserve(limits.cost * (1 + (post.thread?.length ?? 0)), limits.windows, now());
      if (!grant.granted) throw new PlatformError("rate_limited", `${PLATFORM_NAMES[platform]}'s posting limit for this account is used up`, { retryAt: grant.retryAt });
      ref = await whileHeld(db, publication.id, leaseMs, () => connector.publish(session, post));
    }
    // One instant for the record, the first metrics pull and the webhook alike.
    const publishedAt = now();
    await followContent(db, publication, "published", null, publishedAt, settle({ status: "published", externalId: ref.externalId, externalUrl: ref.url, publishedAt: new Date(publishedAt), lastError: null, waitingUntil: null, metricsDueAt: new Date(firstPullAt(publishedAt)) }));
    await emitWebhookEvent(db, publication.workspaceId, "publication.published", { publicationId: publication.id, contentId: publication.contentId, accountId: publication.accountId, platform, externalId: ref.externalId, url: ref.url, publishedAt: new Date(publishedAt).toISOString() }, { queue: env.WEBHOOKS_QUEUE });
    return { status: "published" };
  } catch (err) {
    const error = err instanceof PlatformError ? err : new PlatformError("unknown", `Publishing stopped unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
    if (error.kind === "rate_limited") {
      const retryAt = error.details.retryAt ?? now() + 60_000;
      // The platform's own word tightens what the limiter knows, for every later post of the account.
      if (limiter && error.details.status === 429) await limiter.block(retryAt, error.message);
      // Waiting for the budget is not a failure and does not use up an attempt.
      await settle({ status: "waiting", waitingUntil: new Date(retryAt), attempts: sql`${publications.attempts} - 1`, lastError: error.message });
      return { status: "waiting", retryAt };
    }
    if (error.kind === "auth") {
      await db.update(socialAccounts).set({ status: "error", lastError: error.message }).where(eq(socialAccounts.id, publication.accountId));
    }
    const retryable = error.kind === "unavailable" || error.kind === "unknown";
    if (retryable && publication.attempts < MAX_ATTEMPTS) {
      const retryAt = now() + backoff(publication.attempts, options.random);
      await settle({ status: error.kind === "unknown" ? "unknown" : "scheduled", lastError: error.message, waitingUntil: new Date(retryAt) });
      return { status: "retry", retryAt };
    }
    await settle({ status: "failed", lastError: error.message, waitingUntil: null });
    await emitWebhookEvent(db, publication.workspaceId, "publication.failed", { publicationId: publication.id, contentId: publication.contentId, accountId: publication.accountId, error: error.message, failedAt: new Date(now()).toISOString() }, { queue: env.WEBHOOKS_QUEUE });
    if (await followContent(db, publication, "failed", error.message, now())) {
      await mailFailureNotice(env, db, { workspaceId: publication.workspaceId, contentId: publication.contentId, publicationId: publication.id, accountId: publication.accountId, message: error.message });
    }
    return { status: "failed" };
  }
}
