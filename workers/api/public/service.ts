/**
 * What subscribers do themselves, without an account: sign up (double opt-in), confirm, unsubscribe
 * in one click, manage their lists, download or erase their data. Each is authorised by a signed
 * link (lib/email/links.ts) rather than a session.
 */
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../../lib/db/client";
import { log } from "../../../lib/log";
import { consentRecords, emailLists, subscriberLists, subscribers, suppressions, type EmailList, type Subscriber } from "../../../lib/db/schema";
import { normalizeEmail, suppressionHash } from "../../../lib/email/address";
import { sendConfirmation } from "../../../lib/email/confirmations";
import { confirmToken, publicPaths } from "../../../lib/email/links";
import { buildBatch } from "../../../lib/email/outgoing";
import { outboxOf } from "../../../lib/email/settings";
import { confirmationMessage } from "../../../lib/email/template";
import { AppError } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import { erasureStatements, unsubscribeStatements } from "../subscribers/service";
import { countLeaving } from "../../../lib/analytics/email-daily";
import { runBatch } from "../../../lib/email/batch";
import { emitWebhookEvent } from "../../../lib/webhooks/emit";

export const CONFIRMATION_INTERVAL_MS = 24 * 60 * 60 * 1000;

export const signupInput = z.object({
  email: z
    .string({ error: "is required" })
    .trim()
    .max(254, "must be at most 254 characters")
    .refine((v) => normalizeEmail(v) !== null, "must be a valid email address"),
  first_name: z.string().trim().max(100, "must be at most 100 characters").optional(),
  consent: z.literal("on", { error: "tick the box to agree" }),
  /** The honeypot: hidden from people, filled in by bots. */
  website: z.string().optional(),
});

export type Visitor = { ip: string | null; userAgent: string | null };

export async function publicList(db: Db, listId: string): Promise<EmailList | null> {
  return (await db.select().from(emailLists).where(eq(emailLists.id, listId)).get()) ?? null;
}

/**
 * A signup: the person is recorded as pending with the consent they gave, and a confirmation goes
 * out unless one went to this address in the last 24 hours. The answer is the same whatever the
 * address's state, so the form tells nobody who is subscribed.
 */
export async function signUp(db: Db, env: Env, secret: string, baseUrl: string, list: EmailList, input: z.infer<typeof signupInput>, visitor: Visitor): Promise<void> {
  const normalized = normalizeEmail(input.email)!;
  const workspaceId = list.workspaceId;
  const hash = await suppressionHash(workspaceId, normalized);
  const bounced = await db.select({ h: suppressions.emailHash }).from(suppressions).where(and(eq(suppressions.workspaceId, workspaceId), eq(suppressions.emailHash, hash), eq(suppressions.reason, "bounced"))).get();
  // Mail to an address that bounced hurts the sender's reputation; it is not tried again.
  if (bounced) return;
  const outbox = await outboxOf(db, env, workspaceId);
  if (!outbox) throw new AppError(503, "signup_unavailable", "This form cannot take signups right now. Please try again later.");

  let subscriber = await db.select().from(subscribers).where(and(eq(subscribers.workspaceId, workspaceId), eq(subscribers.emailNormalized, normalized))).get();
  const consent = { workspaceId, kind: "signup", ip: visitor.ip, userAgent: visitor.userAgent?.slice(0, 500) ?? null, form: `signup form: ${list.name} (${list.id})`, textShown: list.consentText };
  if (!subscriber) {
    const id = newId("sub");
    const [rows] = await db.batch([
      db
        .insert(subscribers)
        .values({ id, workspaceId, email: input.email, emailNormalized: normalized, emailHash: hash, firstName: input.first_name || null, status: "pending", source: "form" })
        .onConflictDoNothing()
        .returning(),
      db.insert(consentRecords).select(sql`SELECT ${newId("cns")}, ${workspaceId}, ${id}, ${consent.kind}, ${consent.ip}, ${consent.userAgent}, ${consent.form}, ${consent.textShown}, ${Date.now()} WHERE changes() > 0`),
    ]);
    subscriber = rows[0] ?? (await db.select().from(subscribers).where(and(eq(subscribers.workspaceId, workspaceId), eq(subscribers.emailNormalized, normalized))).get());
    if (!subscriber) return;
  } else {
    await db.insert(consentRecords).values({ id: newId("cns"), subscriberId: subscriber.id, ...consent });
  }
  const inList = await db.select({ id: subscriberLists.listId }).from(subscriberLists).where(and(eq(subscriberLists.listId, list.id), eq(subscriberLists.subscriberId, subscriber.id))).get();
  if (subscriber.status === "subscribed" && inList) return;

  // At most one confirmation per address per 24 hours, claimed by one guarded update.
  const now = Date.now();
  const claimed = await db
    .update(subscribers)
    .set({ confirmationSentAt: new Date(now) })
    .where(and(eq(subscribers.id, subscriber.id), or(isNull(subscribers.confirmationSentAt), lt(subscribers.confirmationSentAt, new Date(now - CONFIRMATION_INTERVAL_MS)))))
    .returning({ id: subscribers.id });
  if (claimed.length === 0) return;

  const message = confirmationMessage(list.name, outbox.sender.from.name ?? list.name);
  const token = await confirmToken(secret, subscriber.id, list.id);
  const batch = await buildBatch({
    secret,
    baseUrl,
    workspaceId,
    sendId: null,
    sender: { ...outbox.sender, tracking: false },
    message,
    people: [{ deliveryId: newId("cnf"), subscriberId: subscriber.id, email: subscriber.email, firstName: subscriber.firstName ?? (input.first_name || null), lastName: subscriber.lastName, links: { confirm_url: baseUrl + publicPaths.confirm(token) } }],
    batchKey: newId("bat"),
  });
  try {
    await sendConfirmation(env, outbox.provider, batch);
  } catch (error) {
    // Not sent: let the person try again now rather than in 24 hours.
    await db.update(subscribers).set({ confirmationSentAt: null }).where(eq(subscribers.id, subscriber.id));
    log.error("confirmation_failed", { workspaceId, error });
    throw new AppError(503, "signup_unavailable", "We could not send the confirmation email. Please try again later.");
  }
}

/** Double opt-in completed: subscribed to the list, with the consent recorded and any suppression lifted. */
export async function confirm(db: Db, subscriberId: string, listId: string, visitor: Visitor): Promise<{ subscriber: Subscriber; list: EmailList } | null> {
  const subscriber = await db.select().from(subscribers).where(eq(subscribers.id, subscriberId)).get();
  const list = await db.select().from(emailLists).where(and(eq(emailLists.id, listId), eq(emailLists.workspaceId, subscriber?.workspaceId ?? ""))).get();
  if (!subscriber || !list || subscriber.status === "bounced") return null;
  const now = new Date();
  await db.batch([
    db.update(subscribers).set({ status: "subscribed", confirmedAt: subscriber.status === "subscribed" ? subscriber.confirmedAt : now, unsubscribedAt: null }).where(eq(subscribers.id, subscriber.id)),
    db.insert(subscriberLists).values({ listId, subscriberId: subscriber.id, workspaceId: subscriber.workspaceId }).onConflictDoNothing(),
    db.insert(consentRecords).values({ id: newId("cns"), workspaceId: subscriber.workspaceId, subscriberId: subscriber.id, kind: "confirm", ip: visitor.ip, userAgent: visitor.userAgent?.slice(0, 500) ?? null, form: `confirmation link: ${list.name} (${list.id})`, textShown: list.consentText }),
    // They asked again, and proved the address is theirs: an old unsubscribe no longer applies.
    db.delete(suppressions).where(and(eq(suppressions.workspaceId, subscriber.workspaceId), eq(suppressions.emailHash, subscriber.emailHash))),
  ]);
  if (subscriber.status !== "subscribed") await emitWebhookEvent(db, subscriber.workspaceId, "subscriber.added", { subscriberId: subscriber.id, email: subscriber.email, source: "form", listIds: [list.id] });
  return { subscriber: { ...subscriber, status: "subscribed" }, list };
}

export async function subscriberFor(db: Db, claims: { subscriberId: string; workspaceId: string }): Promise<Subscriber | null> {
  return (await db.select().from(subscribers).where(and(eq(subscribers.id, claims.subscriberId), eq(subscribers.workspaceId, claims.workspaceId))).get()) ?? null;
}

export async function unsubscribe(db: Db, s: Subscriber, visitor: Visitor, how: string): Promise<void> {
  if (s.status === "unsubscribed") return;
  const [update, record, suppression] = unsubscribeStatements(db, s, "unsubscribed", { kind: "unsubscribe", ip: visitor.ip, form: how });
  await runBatch(db, [countLeaving(s.id, s.workspaceId, "unsubscribed", Date.now()), update, record, suppression]);
  await emitWebhookEvent(db, s.workspaceId, "subscriber.unsubscribed", { subscriberId: s.id, email: s.email, how });
}

export async function listsOf(db: Db, s: Subscriber) {
  const [all, mine] = await Promise.all([
    db.select().from(emailLists).where(eq(emailLists.workspaceId, s.workspaceId)).orderBy(emailLists.name).all(),
    db.select({ listId: subscriberLists.listId }).from(subscriberLists).where(eq(subscriberLists.subscriberId, s.id)).all(),
  ]);
  const member = new Set(mine.map((m) => m.listId));
  // A person sees the lists they are on; other lists need their own opt-in through a signup form.
  return all.filter((l) => member.has(l.id));
}

/** Preferences: leave some lists (leaving all of them is unsubscribing), or change the name. */
export async function savePreferences(db: Db, s: Subscriber, keep: string[], firstName: string | null, visitor: Visitor): Promise<void> {
  const current = await listsOf(db, s);
  const leaving = current.filter((l) => !keep.includes(l.id));
  const statements = [
    db.update(subscribers).set({ firstName: firstName?.trim().slice(0, 100) || null }).where(eq(subscribers.id, s.id)),
    ...leaving.map((l) => db.delete(subscriberLists).where(and(eq(subscriberLists.subscriberId, s.id), eq(subscriberLists.listId, l.id)))),
    db.insert(consentRecords).values({ id: newId("cns"), workspaceId: s.workspaceId, subscriberId: s.id, kind: "preferences", ip: visitor.ip, userAgent: visitor.userAgent?.slice(0, 500) ?? null, form: leaving.length ? `left: ${leaving.map((l) => l.name).join(", ")}` : "preferences saved", textShown: null }),
  ] as const;
  await db.batch(statements);
  if (current.length > 0 && leaving.length === current.length) await unsubscribe(db, s, visitor, "preferences page: left every list");
}

export async function eraseSelf(db: Db, s: Subscriber): Promise<void> {
  await db.batch([...erasureStatements(db, s)]);
}

/** Fixed-window counter; true when `key` is over `limit` in the current window. */
export async function overLimit(db: Db, key: string, limit: number, windowMs: number): Promise<boolean> {
  const now = Date.now();
  const start = now - (now % windowMs);
  const row = await db.get<{ count: number }>(sql`INSERT INTO email_form_rate_limits (key, window_start, count) VALUES (${key}, ${start}, 1)
    ON CONFLICT(key) DO UPDATE SET count = CASE WHEN window_start < ${start} THEN 1 ELSE count + 1 END, window_start = ${start}
    RETURNING count`);
  // Old windows are cleared now and then, not on every request.
  if (Math.random() < 0.01) await db.run(sql`DELETE FROM email_form_rate_limits WHERE window_start < ${now - 24 * 60 * 60 * 1000}`);
  return row.count > limit;
}
