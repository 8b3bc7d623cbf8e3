/**
 * Moving content through the approval workflow (the rules are lib/domain/workflow.ts), commenting,
 * and the item's timeline. A transition is one guarded UPDATE (only from the state it was decided
 * on), followed in the same batch by its timeline entry, audit row and notifications, each written
 * only if the statement before it wrote something, so a lost race leaves no trace but a 409.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { auditEntry } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { auditLog, content, contentEvents, media, notifications, users, type Workspace } from "../../../lib/db/schema";
import { parseMentions } from "../../../lib/domain/mentions";
import { can, type Role } from "../../../lib/domain/roles";
import { allowedActions, transition, type Action } from "../../../lib/domain/workflow";
import { AppError, forbidden } from "../../../lib/http/errors";
import type { WorkspaceAccess } from "../types";
import { listMembers } from "../members/service";
import { assertMediaPublishable } from "../media/service";
import { getContent, type ContentView } from "./service";
import { limitProblems } from "./variants";
import { armPublications, publicationsFollow } from "../publications/service";
import { emitWebhookEvent } from "../../../lib/webhooks/emit";

export type TimelineEntry = { id: number; kind: string; fromStatus: string | null; toStatus: string | null; body: string | null; createdAt: Date; actorName: string | null };

export function timeline(db: Db, access: WorkspaceAccess, contentId: string): Promise<TimelineEntry[]> {
  return db
    .select({
      id: contentEvents.id,
      kind: contentEvents.kind,
      fromStatus: contentEvents.fromStatus,
      toStatus: contentEvents.toStatus,
      body: contentEvents.body,
      createdAt: contentEvents.createdAt,
      actorName: users.name,
    })
    .from(contentEvents)
    .leftJoin(users, eq(users.id, contentEvents.actorId))
    .where(and(eq(contentEvents.contentId, contentId), eq(contentEvents.workspaceId, access.workspace.id)))
    .orderBy(asc(contentEvents.id))
    .all();
}

const settingsOf = (workspace: Workspace) => ({ allowSelfApproval: workspace.allowSelfApproval });

export function actionsFor(item: Pick<ContentView, "status" | "authorId">, actor: { userId: string; role: Role }, workspace: Workspace): Action[] {
  return allowedActions({ status: item.status, authorId: item.authorId }, actor, settingsOf(workspace));
}

/** Who hears about a transition: reviewers when review is asked for, the author when it is decided. */
const NOTIFY: Partial<Record<Action, { kind: string; to: "reviewers" | "author"; text: (title: string, who: string) => string }>> = {
  submit: { kind: "review_requested", to: "reviewers", text: (t, who) => `${who} asks you to review “${t}”` },
  resubmit: { kind: "review_requested", to: "reviewers", text: (t, who) => `${who} asks you to review “${t}” again` },
  approve: { kind: "approved", to: "author", text: (t, who) => `${who} approved “${t}”` },
  request_changes: { kind: "changes_requested", to: "author", text: (t, who) => `${who} requested changes to “${t}”` },
};

/** Actions that promise the text is ready to go out: each platform's limits must be met. */
const NEEDS_VALID_VARIANTS: readonly string[] = ["submit", "resubmit", "approve", "schedule"];

export type TransitionInput = { action: string; comment?: string | undefined; scheduledAt?: Date | undefined };

/** `publishQueue` hears about publications that scheduling (or a retry) created or moved. */
export async function transitionContent(db: Db, access: WorkspaceAccess, contentId: string, input: TransitionInput, publishQueue: Queue): Promise<ContentView> {
  const { workspace, actor, role } = access;
  const item = await getContent(db, access, contentId);
  const result = transition({ status: item.status, authorId: item.authorId }, input.action, { userId: actor.userId, role }, settingsOf(workspace));
  if (!result.ok) throw new AppError(result.status, result.status === 409 ? "illegal_transition" : "forbidden", result.message);
  const action = input.action as Action;
  if (NEEDS_VALID_VARIANTS.includes(action)) {
    const mediaIds = [...new Set(item.variants.flatMap((v) => v.mediaIds))];
    const files = mediaIds.length
      ? await db.select({ id: media.id, mime: media.mime }).from(media).where(and(eq(media.workspaceId, workspace.id), inArray(media.id, mediaIds))).all()
      : [];
    const withMedia = item.variants.map((v) => ({ ...v, media: v.mediaIds.flatMap((id) => files.filter((f) => f.id === id)) }));
    const problems = limitProblems(withMedia);
    if (problems.length) throw new AppError(422, "over_limit", `Fix these first: ${problems.join("; ")}`);
    // Images must carry alt text before anything can go out with them.
    if (action === "schedule") await assertMediaPublishable(db, workspace.id, mediaIds);
  }
  let schedule: { scheduledAt: Date | null; scheduledZone: string | null } | undefined;
  if (action === "schedule") {
    if (!input.scheduledAt) throw new AppError(422, "invalid_request", "scheduledAt: is required to schedule", { scheduledAt: "is required to schedule" });
    if (input.scheduledAt.getTime() <= Date.now()) throw new AppError(422, "invalid_request", "scheduledAt: must be in the future", { scheduledAt: "must be in the future" });
    schedule = { scheduledAt: input.scheduledAt, scheduledZone: workspace.timezone };
  }
  if (action === "unschedule") schedule = { scheduledAt: null, scheduledZone: null };

  const now = Date.now();
  const notify = NOTIFY[action];
  const who = (await db.select({ name: users.name }).from(users).where(eq(users.id, actor.userId)).get())?.name ?? "Someone";
  const recipients =
    notify?.to === "author"
      ? sql`SELECT ${item.authorId} AS user_id WHERE ${item.authorId} <> ${actor.userId}`
      : sql`SELECT user_id FROM memberships WHERE workspace_id = ${workspace.id} AND role IN ('owner', 'admin') AND user_id <> ${actor.userId}`;
  const detail = JSON.stringify({ from: item.status, to: result.to, comment: input.comment || null, ...(schedule?.scheduledAt ? { scheduledAt: schedule.scheduledAt.toISOString() } : {}) });
  const follow = publicationsFollow(db, workspace.id, contentId, action, now);
  // Each statement after the guarded UPDATE runs only if the one before it wrote a row (changes()).
  const [moved] = await db.batch([
    db
      .update(content)
      .set({ status: result.to, updatedAt: new Date(now), ...(schedule ?? {}) })
      .where(and(eq(content.id, contentId), eq(content.workspaceId, workspace.id), eq(content.status, item.status)))
      .returning({ id: content.id }),
    db.insert(contentEvents).select(
      sql`SELECT NULL, ${workspace.id}, ${contentId}, ${actor.userId}, ${action}, ${item.status}, ${result.to}, ${input.comment || null}, ${now}
        WHERE changes() > 0`,
    ),
    db.insert(auditLog).select(
      sql`SELECT NULL, ${workspace.id}, ${actor.userId}, ${actor.tokenId ?? null}, ${`content.${action}`}, 'content', ${contentId},
        ${detail}, ${actor.ip ?? null}, ${now} WHERE changes() > 0`,
    ),
    ...(notify
      ? [
          db.insert(notifications).select(
            sql`SELECT NULL, ${workspace.id}, r.user_id, ${notify.kind}, ${contentId}, ${actor.userId}, ${notify.text(item.title, who)}, NULL, ${now}
              FROM (${recipients}) AS r WHERE changes() > 0`,
          ),
        ]
      : []),
    ...(follow ? [follow] : []),
  ]);
  if (moved.length === 0) throw new AppError(409, "illegal_transition", "Someone else changed this item's status just now. Reload to see it.");
  if (action === "approve") await emitWebhookEvent(db, workspace.id, "content.approved", { contentId, title: item.title, kind: item.kind, approvedBy: actor.userId, approvedAt: new Date(now).toISOString() });
  if (action === "schedule" || action === "retry") await armPublications(db, publishQueue, workspace.id, contentId);
  return getContent(db, access, contentId);
}

/**
 * A comment on the timeline. Members mentioned with @handle get a notification; the mention
 * handles are matched against the workspace's members (lib/domain/mentions.ts).
 */
export async function addComment(db: Db, access: WorkspaceAccess, contentId: string, body: string): Promise<void> {
  const { workspace, actor, role } = access;
  if (!can(role, "content.comment")) throw forbidden();
  const item = await getContent(db, access, contentId);
  const members = await listMembers(db, workspace.id);
  const mentioned = parseMentions(body, members.map((m) => ({ id: m.userId, name: m.name, email: m.email }))).filter((id) => id !== actor.userId);
  const who = members.find((m) => m.userId === actor.userId)?.name ?? "Someone";
  const now = Date.now();
  await db.batch([
    db.insert(contentEvents).values({ workspaceId: workspace.id, contentId, actorId: actor.userId, kind: "comment", body, createdAt: new Date(now) }),
    auditEntry(db, actor, { workspaceId: workspace.id, action: "content.commented", targetType: "content", targetId: contentId, detail: { mentioned } }),
    ...mentioned.map((userId) =>
      db.insert(notifications).values({
        workspaceId: workspace.id,
        userId,
        kind: "mention",
        contentId,
        actorId: actor.userId,
        text: `${who} mentioned you on “${item.title}”`,
        createdAt: new Date(now),
      }),
    ),
  ]);
}
