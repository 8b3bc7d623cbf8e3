/**
 * What every webhook route does once the sender is verified and its payload read into
 * `InboundEvent`s: find the workspaces the event concerns (through the connected account's platform
 * id; an account connected in several workspaces gives each its own copy), store the event once per
 * workspace, and act on it the first time only. The actions are idempotent as well (unique inbox
 * items, a deleted mark that keeps its first instant), so two deliveries racing each other still
 * leave one item and one mark.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../../lib/db/client";
import { inboundEvents, inboxItems, publications, socialAccounts, type InboundSource, type InboxKind } from "../../../lib/db/schema";
import { runBatch, type Statement } from "../../../lib/email/batch";
import { newId } from "../../../lib/ids";
import { log } from "../../../lib/log";

/** A comment or mention to put in the inbox. */
export type InboxInput = {
  kind: InboxKind;
  /** The platform's id of the comment or post. */
  externalId: string;
  author: string;
  text: string;
  url: string | null;
  occurredAt: Date;
  /** Platform ids of the posts it may be on (the direct parent, the thread's root): the first that is one of our publications is linked. */
  onPosts: string[];
};

export type InboundEvent = {
  source: InboundSource;
  eventId: string;
  type: string;
  payload: unknown;
  inbox?: InboxInput;
  /** The platform id of a post deleted on its platform. */
  deletedPost?: string;
};

/** An event from a platform, for whichever workspaces connected the account(s) it names. */
export type PlatformEvent = InboundEvent & { platform: "facebook" | "instagram" | "threads" | "x"; accountIds: readonly string[] };

type Target = { workspaceId: string; accountId: string | null; platform: string };

export type Outcome = { received: number; new: number; ignored: number };

export async function recordPlatformEvents(db: Db, events: PlatformEvent[]): Promise<Outcome> {
  const outcome: Outcome = { received: events.length, new: 0, ignored: 0 };
  for (const event of events) {
    const targets = await targetsOf(db, event);
    if (targets.length === 0) {
      // 200 all the same: the platform would retry a non-2xx for days, and the account may simply
      // have been disconnected. The line lets someone see what is arriving for nobody.
      outcome.ignored++;
      log.warn("webhook.unknown_account", { source: event.source, eventId: event.eventId, type: event.type, accountIds: event.accountIds });
      continue;
    }
    for (const target of targets) if (await recordOne(db, target, event)) outcome.new++;
  }
  return outcome;
}

/** The generic endpoint: the workspace is the one in the path; no account. */
export async function recordGenericEvent(db: Db, workspaceId: string, event: InboundEvent, platform: string): Promise<boolean> {
  return recordOne(db, { workspaceId, accountId: null, platform }, event);
}

async function targetsOf(db: Db, event: PlatformEvent): Promise<Target[]> {
  const ids = [...new Set(event.accountIds.filter(Boolean))];
  const byAccount = ids.length
    ? await db
        .select({ workspaceId: socialAccounts.workspaceId, accountId: socialAccounts.id })
        .from(socialAccounts)
        .where(and(eq(socialAccounts.platform, event.platform), inArray(socialAccounts.externalId, ids)))
        .all()
    : [];
  // A deletion names the post; where the event does not say whose it was in a way we can match
  // (Threads' delete topic), the accounts that published it are the ones it concerns.
  const byPost = event.deletedPost
    ? await db
        .select({ workspaceId: publications.workspaceId, accountId: publications.accountId })
        .from(publications)
        .innerJoin(socialAccounts, eq(socialAccounts.id, publications.accountId))
        .where(and(eq(publications.externalId, event.deletedPost), eq(socialAccounts.platform, event.platform)))
        .all()
    : [];
  const seen = new Map<string, Target>();
  for (const t of [...byAccount, ...byPost]) seen.set(`${t.workspaceId}/${t.accountId}`, { ...t, platform: event.platform });
  return [...seen.values()];
}

async function recordOne(db: Db, target: Target, event: InboundEvent): Promise<boolean> {
  const known = await db
    .select({ id: inboundEvents.eventId })
    .from(inboundEvents)
    .where(and(eq(inboundEvents.source, event.source), eq(inboundEvents.workspaceId, target.workspaceId), eq(inboundEvents.eventId, event.eventId)))
    .get();
  if (known) return false;
  const now = new Date();
  const store = db
    .insert(inboundEvents)
    .values({ source: event.source, eventId: event.eventId, workspaceId: target.workspaceId, type: event.type, payload: event.payload ?? null, receivedAt: now })
    .onConflictDoNothing();
  const effects: Statement[] = [];
  if (event.inbox) {
    const item = event.inbox;
    const publicationId = item.onPosts.length ? await publicationOf(db, target, item.onPosts) : null;
    effects.push(
      db
        .insert(inboxItems)
        .values({
          id: newId("inb"),
          workspaceId: target.workspaceId,
          accountId: target.accountId,
          platform: target.platform,
          kind: item.kind,
          externalId: item.externalId,
          publicationId,
          author: item.author,
          text: item.text,
          url: item.url,
          occurredAt: item.occurredAt,
        })
        .onConflictDoNothing(),
    );
  }
  if (event.deletedPost && target.accountId) {
    // The post is gone: its figures can no longer be pulled, so the metrics schedule stops here.
    effects.push(
      db
        .update(publications)
        .set({ deletedAt: sql`COALESCE(${publications.deletedAt}, ${now.getTime()})`, metricsDueAt: null, updatedAt: now })
        .where(and(eq(publications.workspaceId, target.workspaceId), eq(publications.accountId, target.accountId), eq(publications.externalId, event.deletedPost))),
    );
  }
  await runBatch(db, [store, ...effects]);
  return true;
}

async function publicationOf(db: Db, target: Target, posts: string[]): Promise<string | null> {
  const rows = await db
    .select({ id: publications.id, externalId: publications.externalId })
    .from(publications)
    .where(
      and(
        eq(publications.workspaceId, target.workspaceId),
        inArray(publications.externalId, posts),
        target.accountId ? eq(publications.accountId, target.accountId) : undefined,
      ),
    )
    .all();
  for (const post of posts) {
    const found = rows.find((r) => r.externalId === post);
    if (found) return found.id;
  }
  return null;
}

/** The workspace's last received events, newest first (the settings page shows them). */
export async function recentInboundEvents(db: Db, workspaceId: string, limit = 20) {
  return db
    .select({ source: inboundEvents.source, eventId: inboundEvents.eventId, type: inboundEvents.type, receivedAt: inboundEvents.receivedAt })
    .from(inboundEvents)
    .where(eq(inboundEvents.workspaceId, workspaceId))
    .orderBy(desc(inboundEvents.receivedAt))
    .limit(limit)
    .all();
}
