/**
 * Newsletters built from content items, their preview and test sends, and sends: a send snapshots
 * the rendered message, then the `email` queue delivers it (workers/publisher/email/send.ts).
 * Pause, resume and cancel are guarded status changes the consumer reads between batches.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { auditEntry, auditIfChanged } from "../../../lib/audit";
import { config } from "../../../lib/config/env";
import type { Db } from "../../../lib/db/client";
import { content, emailDeliveries, emailLists, emailSends, newsletters, segments, type EmailSend, type Newsletter } from "../../../lib/db/schema";
import { normalizeEmail } from "../../../lib/email/address";
import { buildBatch } from "../../../lib/email/outgoing";
import { ProviderError } from "../../../lib/email/providers";
import { personalise } from "../../../lib/email/personalise";
import { outboxOf } from "../../../lib/email/settings";
import { renderNewsletter } from "../../../lib/email/template";
import { AppError, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import { stamped, type EmailMessage } from "../../../lib/queues/messages";
import type { WorkspaceAccess } from "../types";
import { allow } from "../subscribers/service";
import { getSettings } from "./settings";

const ids = z.union([z.array(z.string()), z.string().transform((s) => s.split(/[\s,]+/).filter(Boolean))]);

export const newsletterInput = z.object({
  subject: z.string({ error: "is required" }).trim().min(1, "is required").max(200, "must be at most 200 characters"),
  preheader: z.string().trim().max(200, "must be at most 200 characters").default(""),
  intro: z.string().max(20_000, "must be at most 20,000 characters").default(""),
  contentIds: ids.default([]).refine((v) => v.length <= 20, "at most 20 content items"),
});
export type NewsletterInput = z.infer<typeof newsletterInput>;

export const sendInput = z.object({
  listId: z.string().optional().transform((v) => v || null),
  segmentId: z.string().optional().transform((v) => v || null),
  /** ISO instant; absent or past means now. */
  scheduledAt: z
    .string()
    .optional()
    .transform((v) => v || null)
    .refine((v) => v === null || !Number.isNaN(Date.parse(v)), "must be a date and time (ISO 8601)"),
});

export const testSendInput = z.object({
  to: z
    .union([z.array(z.string()), z.string().transform((s) => s.split(/[\s,;]+/).filter(Boolean))])
    .refine((list) => list.length >= 1 && list.length <= 5, "give one to five addresses")
    .refine((list) => list.every((a) => normalizeEmail(a) !== null), "must all be valid email addresses"),
});

export async function listNewsletters(db: Db, access: WorkspaceAccess) {
  allow(access, "newsletters.view");
  return db.select().from(newsletters).where(eq(newsletters.workspaceId, access.workspace.id)).orderBy(desc(newsletters.updatedAt)).all();
}

export async function getNewsletter(db: Db, access: WorkspaceAccess, id: string): Promise<Newsletter> {
  allow(access, "newsletters.view");
  const row = await db.select().from(newsletters).where(and(eq(newsletters.id, id), eq(newsletters.workspaceId, access.workspace.id))).get();
  if (!row) throw notFound("Newsletter not found");
  return row;
}

async function checkContent(db: Db, workspaceId: string, contentIds: string[]) {
  if (contentIds.length === 0) return;
  const found = await db.select({ id: content.id }).from(content).where(and(eq(content.workspaceId, workspaceId), inArray(content.id, contentIds))).all();
  if (found.length !== new Set(contentIds).size) throw new AppError(422, "invalid_request", "contentIds: names content that does not exist in this workspace", { contentIds: "names content that does not exist in this workspace" });
}

export async function createNewsletter(db: Db, access: WorkspaceAccess, input: NewsletterInput): Promise<Newsletter> {
  allow(access, "newsletters.edit");
  await checkContent(db, access.workspace.id, input.contentIds);
  const id = newId("nwl");
  const [rows] = await db.batch([
    db.insert(newsletters).values({ id, workspaceId: access.workspace.id, ...input, createdBy: access.actor.userId, updatedAt: new Date() }).returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "newsletter.created", targetType: "newsletter", targetId: id }),
  ]);
  return rows[0]!;
}

export async function updateNewsletter(db: Db, access: WorkspaceAccess, id: string, input: NewsletterInput): Promise<Newsletter> {
  allow(access, "newsletters.edit");
  await getNewsletter(db, access, id);
  await checkContent(db, access.workspace.id, input.contentIds);
  const [rows] = await db.batch([
    db.update(newsletters).set({ ...input, updatedAt: new Date() }).where(and(eq(newsletters.id, id), eq(newsletters.workspaceId, access.workspace.id))).returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "newsletter.updated", targetType: "newsletter", targetId: id }),
  ]);
  return rows[0]!;
}

/** The message with its personalisation tags in place, built from the newsletter's content items. */
export async function renderMessage(db: Db, access: WorkspaceAccess, n: Newsletter) {
  const items = n.contentIds.length
    ? await db.select({ id: content.id, title: content.title, body: content.body }).from(content).where(and(eq(content.workspaceId, access.workspace.id), inArray(content.id, n.contentIds))).all()
    : [];
  const byId = new Map(items.map((i) => [i.id, i]));
  const settings = await getSettings(db, access);
  const { html, text } = renderNewsletter({
    subject: n.subject,
    preheader: n.preheader,
    intro: n.intro,
    items: n.contentIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
    senderName: settings?.fromName ?? access.workspace.name,
    postalAddress: settings?.postalAddress ?? "",
  });
  return { subject: n.subject, preheader: n.preheader, html, text };
}

/** The preview as a sample reader sees it (fallbacks shown), with inert links. */
export async function preview(db: Db, access: WorkspaceAccess, id: string, sample: { first_name: string | null; last_name: string | null; email: string }) {
  const message = await renderMessage(db, access, await getNewsletter(db, access, id));
  const links = { unsubscribe_url: "#unsubscribe", preferences_url: "#preferences" };
  return { subject: personalise(message.subject, sample, links, false), html: personalise(message.html, sample, links, true), text: personalise(message.text, sample, links, false) };
}

function outboxOrRefuse(outbox: Awaited<ReturnType<typeof outboxOf>>) {
  if (!outbox) throw new AppError(409, "no_provider", "Set up an email provider first (Newsletters → Settings).");
  return outbox;
}

/** Sends the newsletter now to a few addresses, subject marked [Test]; nobody's subscription changes. */
export async function testSend(db: Db, env: Env, access: WorkspaceAccess, id: string, to: string[], baseUrl: string): Promise<number> {
  allow(access, "newsletters.edit");
  const message = await renderMessage(db, access, await getNewsletter(db, access, id));
  const secret = config(env).SESSION_SECRET;
  const outbox = outboxOrRefuse(await outboxOf(db, env, access.workspace.id));
  const batch = await buildBatch({
    secret,
    baseUrl,
    workspaceId: access.workspace.id,
    sendId: null,
    sender: { ...outbox.sender, tracking: false },
    message: { ...message, subject: `[Test] ${message.subject}` },
    people: to.map((email) => ({ deliveryId: newId("tst"), subscriberId: "test", email, firstName: null, lastName: null })),
    batchKey: newId("bat"),
  });
  try {
    await outbox.provider.send(batch);
  } catch (error) {
    if (error instanceof ProviderError) throw new AppError(error.retryable ? 503 : 409, "provider_error", error.message);
    throw error;
  }
  await auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "newsletter.test_sent", targetType: "newsletter", targetId: id, detail: { recipients: to.length } });
  return to.length;
}

export async function startSend(db: Db, env: Env, access: WorkspaceAccess, newsletterId: string, input: z.infer<typeof sendInput>, baseUrl: string): Promise<EmailSend> {
  allow(access, "newsletters.send");
  const n = await getNewsletter(db, access, newsletterId);
  const workspaceId = access.workspace.id;
  if (input.listId && !(await db.select({ id: emailLists.id }).from(emailLists).where(and(eq(emailLists.id, input.listId), eq(emailLists.workspaceId, workspaceId))).get())) {
    throw new AppError(422, "invalid_request", "listId: no such list", { listId: "no such list" });
  }
  if (input.segmentId && !(await db.select({ id: segments.id }).from(segments).where(and(eq(segments.id, input.segmentId), eq(segments.workspaceId, workspaceId))).get())) {
    throw new AppError(422, "invalid_request", "segmentId: no such segment", { segmentId: "no such segment" });
  }
  outboxOrRefuse(await outboxOf(db, env, workspaceId));
  const message = await renderMessage(db, access, n);
  const scheduledAt = input.scheduledAt ? new Date(Math.max(Date.now(), Date.parse(input.scheduledAt))) : new Date();
  const id = newId("snd");
  const [rows] = await db.batch([
    db
      .insert(emailSends)
      .values({ id, workspaceId, newsletterId, listId: input.listId, segmentId: input.segmentId, status: "scheduled", scheduledAt, ...message, baseUrl, createdBy: access.actor.userId })
      .returning(),
    auditEntry(db, access.actor, { workspaceId, action: "send.created", targetType: "email_send", targetId: id, detail: { newsletterId, scheduledAt: scheduledAt.toISOString() } }),
  ]);
  const delay = Math.ceil((scheduledAt.getTime() - Date.now()) / 1000);
  await env.EMAIL_QUEUE.send(stamped({ type: "email.send", sendId: id } satisfies EmailMessage), delay > 0 ? { delaySeconds: Math.min(delay, 12 * 60 * 60) } : undefined);
  return rows[0]!;
}

export async function getSend(db: Db, access: WorkspaceAccess, id: string) {
  allow(access, "newsletters.view");
  const send = await db.select().from(emailSends).where(and(eq(emailSends.id, id), eq(emailSends.workspaceId, access.workspace.id))).get();
  if (!send) throw notFound("Send not found");
  const counts = await db
    .select({ status: emailDeliveries.status, n: sql<number>`COUNT(*)` })
    .from(emailDeliveries)
    .where(eq(emailDeliveries.sendId, id))
    .groupBy(emailDeliveries.status)
    .all();
  const by = Object.fromEntries(counts.map((c) => [c.status, c.n])) as Record<string, number>;
  return { send, counts: { queued: by.queued ?? 0, sending: by.sending ?? 0, sent: by.sent ?? 0, failed: by.failed ?? 0, skipped: by.skipped ?? 0, unconfirmed: by.unconfirmed ?? 0 } };
}

export async function listSends(db: Db, access: WorkspaceAccess, newsletterId?: string) {
  allow(access, "newsletters.view");
  const where = newsletterId ? and(eq(emailSends.workspaceId, access.workspace.id), eq(emailSends.newsletterId, newsletterId)) : eq(emailSends.workspaceId, access.workspace.id);
  return db.select().from(emailSends).where(where).orderBy(desc(emailSends.createdAt)).limit(50).all();
}

const TRANSITIONS = {
  pause: { from: ["sending", "preparing"], to: "paused" },
  resume: { from: ["paused", "sending"], to: "sending" },
  cancel: { from: ["scheduled", "preparing", "sending", "paused"], to: "cancelled" },
} as const;

/**
 * Pause, resume or cancel. Resume also restarts a send stuck in `sending` (its messages lost, say,
 * by a local restart): the claim protocol makes a second runner harmless.
 */
export async function changeSend(db: Db, env: Env, access: WorkspaceAccess, id: string, action: keyof typeof TRANSITIONS): Promise<EmailSend> {
  allow(access, "newsletters.send");
  const { send } = await getSend(db, access, id);
  const t = TRANSITIONS[action];
  if (!(t.from as readonly string[]).includes(send.status)) {
    throw new AppError(409, "invalid_transition", `A ${send.status} send cannot be ${action === "cancel" ? "cancelled" : `${action}d`}.`);
  }
  const wasPreparedBefore = send.total > 0 || send.status !== "paused";
  const to = action === "resume" && !wasPreparedBefore ? "preparing" : t.to;
  const [rows] = await db.batch([
    db
      .update(emailSends)
      .set({ status: to, ...(action === "cancel" ? { finishedAt: new Date() } : {}), ...(action === "resume" ? { lastError: null } : {}) })
      .where(and(eq(emailSends.id, id), eq(emailSends.workspaceId, access.workspace.id), inArray(emailSends.status, [...t.from])))
      .returning(),
    auditIfChanged(db, access.actor, { workspaceId: access.workspace.id, action: `send.${action}`, targetType: "email_send", targetId: id }),
    ...(action === "cancel" ? [db.update(emailDeliveries).set({ status: "skipped", error: "send cancelled" }).where(and(eq(emailDeliveries.sendId, id), eq(emailDeliveries.status, "queued")))] : []),
  ]);
  if (!rows[0]) throw new AppError(409, "invalid_transition", "The send changed meanwhile; reload.");
  if (action === "resume") await env.EMAIL_QUEUE.send(stamped({ type: "email.send", sendId: id } satisfies EmailMessage));
  return rows[0];
}
