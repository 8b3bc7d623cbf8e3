/**
 * Subscribers and lists. An address is one person per workspace (by its normalised form); a person
 * whose address is on the suppression list (unsubscribed, bounced, complained, erased) is never
 * added back by hand, by import or by API. Every change records who made it (audit) and, when it
 * concerns consent, a consent record.
 */
import { and, desc, eq, inArray, like, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import { auditEntry, auditIfChanged } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import {
  consentRecords,
  emailDeliveries,
  emailLists,
  importRejections,
  subscriberImports,
  subscriberLists,
  subscribers,
  suppressions,
  SUBSCRIBER_STATUSES,
  type EmailList,
  type Subscriber,
} from "../../../lib/db/schema";
import { can, type Permission } from "../../../lib/domain/roles";
import { normalizeEmail, suppressionHash } from "../../../lib/email/address";
import { AppError, forbidden, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import type { WorkspaceAccess } from "../types";
import { emitWebhookEvent } from "../../../lib/webhooks/emit";

export function allow(access: WorkspaceAccess, permission: Permission) {
  if (!can(access.role, permission)) throw forbidden();
}

const tagList = z
  .union([z.array(z.string()), z.string().transform((s) => s.split(","))])
  .transform((tags) => [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))])
  .refine((tags) => tags.length <= 50 && tags.every((t) => t.length <= 64), "at most 50 tags of at most 64 characters");

const attributes = z
  .record(z.string().regex(/^[\w .-]{1,64}$/, "attribute names are letters, digits, space, . _ - (at most 64)"), z.string().max(1000, "at most 1,000 characters"))
  .refine((a) => Object.keys(a).length <= 50, "at most 50 attributes");

const address = z
  .string({ error: "is required" })
  .trim()
  .max(254, "must be at most 254 characters")
  .transform((raw, ctx) => {
    const normalized = normalizeEmail(raw);
    if (!normalized) {
      ctx.addIssue({ code: "custom", message: "must be a valid email address" });
      return z.NEVER;
    }
    return { raw, normalized };
  });

const name = z.string().trim().max(100, "must be at most 100 characters").optional();

export const subscriberInput = z.object({
  email: address,
  firstName: name,
  lastName: name,
  tags: tagList.optional(),
  attributes: attributes.optional(),
  listIds: z.union([z.array(z.string()), z.string().transform((s) => (s ? [s] : []))]).optional(),
  /** The consent the person gave, in the words they were shown (required: nobody is added silently). */
  consentText: z.string({ error: "say how this person agreed to receive email" }).trim().min(5, "say how this person agreed to receive email").max(2000),
});
export type SubscriberInput = z.infer<typeof subscriberInput>;

export const subscriberUpdate = z.object({
  firstName: name.nullable(),
  lastName: name.nullable(),
  tags: tagList.optional(),
  attributes: attributes.optional(),
  listIds: z.array(z.string()).optional(),
});

export const listInput = z.object({
  name: z.string({ error: "is required" }).trim().min(1, "is required").max(100, "must be at most 100 characters"),
  description: z.string().trim().max(500, "must be at most 500 characters").default(""),
  consentText: z
    .string()
    .trim()
    .min(10, "say what people agree to (at least 10 characters)")
    .max(2000)
    .default("I agree to receive this newsletter by email. I can unsubscribe at any time with the link in every message."),
});

export async function listLists(db: Db, access: WorkspaceAccess) {
  allow(access, "subscribers.view");
  return db
    .select({
      list: emailLists,
      members: sql<number>`(SELECT COUNT(*) FROM subscriber_lists sl JOIN subscribers s ON s.id = sl.subscriber_id WHERE sl.list_id = ${emailLists.id} AND s.status = 'subscribed')`,
    })
    .from(emailLists)
    .where(eq(emailLists.workspaceId, access.workspace.id))
    .orderBy(emailLists.name)
    .all();
}

export async function getList(db: Db, access: WorkspaceAccess, id: string): Promise<EmailList> {
  allow(access, "subscribers.view");
  const row = await db.select().from(emailLists).where(and(eq(emailLists.id, id), eq(emailLists.workspaceId, access.workspace.id))).get();
  if (!row) throw notFound("List not found");
  return row;
}

export async function createList(db: Db, access: WorkspaceAccess, input: z.infer<typeof listInput>): Promise<EmailList> {
  allow(access, "subscribers.manage");
  const taken = await db.select({ id: emailLists.id }).from(emailLists).where(and(eq(emailLists.workspaceId, access.workspace.id), eq(emailLists.name, input.name))).get();
  if (taken) throw new AppError(409, "name_taken", "A list with this name exists.", { name: "a list with this name exists" });
  const id = newId("lst");
  const [rows] = await db.batch([
    db.insert(emailLists).values({ id, workspaceId: access.workspace.id, ...input }).returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "list.created", targetType: "email_list", targetId: id, detail: { name: input.name } }),
  ]);
  return rows[0]!;
}

export type SubscriberFilters = { q?: string; status?: string; listId?: string; before?: string };

export const PAGE_SIZE = 50;

/** A page of subscribers, newest first, paged by an id cursor (ids sort with creation only by chance, so by created_at then id). */
export async function listSubscribers(db: Db, access: WorkspaceAccess, filters: SubscriberFilters) {
  allow(access, "subscribers.view");
  const conditions = [eq(subscribers.workspaceId, access.workspace.id)];
  if (filters.q) conditions.push(or(like(subscribers.emailNormalized, `%${filters.q.toLowerCase()}%`), like(subscribers.firstName, `%${filters.q}%`), like(subscribers.lastName, `%${filters.q}%`))!);
  if (filters.status && (SUBSCRIBER_STATUSES as readonly string[]).includes(filters.status)) conditions.push(eq(subscribers.status, filters.status as Subscriber["status"]));
  if (filters.listId) conditions.push(sql`EXISTS (SELECT 1 FROM subscriber_lists sl WHERE sl.subscriber_id = ${subscribers.id} AND sl.list_id = ${filters.listId})`);
  if (filters.before) {
    const [at, id] = filters.before.split("~");
    if (at && id) conditions.push(or(lt(subscribers.createdAt, new Date(Number(at))), and(eq(subscribers.createdAt, new Date(Number(at))), lt(subscribers.id, id)))!);
  }
  const rows = await db
    .select()
    .from(subscribers)
    .where(and(...conditions))
    .orderBy(desc(subscribers.createdAt), desc(subscribers.id))
    .limit(PAGE_SIZE + 1)
    .all();
  const page = rows.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  return { subscribers: page, next: rows.length > PAGE_SIZE && last ? `${last.createdAt.getTime()}~${last.id}` : null };
}

export async function getSubscriber(db: Db, access: WorkspaceAccess, id: string) {
  allow(access, "subscribers.view");
  const subscriber = await db.select().from(subscribers).where(and(eq(subscribers.id, id), eq(subscribers.workspaceId, access.workspace.id))).get();
  if (!subscriber) throw notFound("Subscriber not found");
  const [lists, consent] = await Promise.all([
    db.select({ id: emailLists.id, name: emailLists.name }).from(subscriberLists).innerJoin(emailLists, eq(emailLists.id, subscriberLists.listId)).where(eq(subscriberLists.subscriberId, id)).all(),
    db.select().from(consentRecords).where(eq(consentRecords.subscriberId, id)).orderBy(desc(consentRecords.createdAt)).all(),
  ]);
  return { subscriber, lists, consent };
}

async function checkLists(db: Db, workspaceId: string, listIds: string[]) {
  if (listIds.length === 0) return;
  const found = await db.select({ id: emailLists.id }).from(emailLists).where(and(eq(emailLists.workspaceId, workspaceId), inArray(emailLists.id, listIds))).all();
  if (found.length !== new Set(listIds).size) throw new AppError(422, "invalid_request", "listIds: names a list that does not exist", { listIds: "names a list that does not exist" });
}

export async function isSuppressed(db: Db, workspaceId: string, hash: string): Promise<boolean> {
  return !!(await db.select({ h: suppressions.emailHash }).from(suppressions).where(and(eq(suppressions.workspaceId, workspaceId), eq(suppressions.emailHash, hash))).get());
}

/** Adds a person by hand or through the API, subscribed at once, with the consent given as its record. */
export async function addSubscriber(db: Db, access: WorkspaceAccess, input: SubscriberInput): Promise<Subscriber> {
  allow(access, "subscribers.manage");
  const workspaceId = access.workspace.id;
  const hash = await suppressionHash(workspaceId, input.email.normalized);
  if (await isSuppressed(db, workspaceId, hash)) {
    throw new AppError(409, "suppressed", "This address is on the suppression list (it unsubscribed, bounced, complained or was erased) and cannot be added again.", { email: "is on the suppression list" });
  }
  const exists = await db.select({ id: subscribers.id }).from(subscribers).where(and(eq(subscribers.workspaceId, workspaceId), eq(subscribers.emailNormalized, input.email.normalized))).get();
  if (exists) throw new AppError(409, "subscriber_exists", "This address is already a subscriber.", { email: "is already a subscriber" });
  const listIds = input.listIds ?? [];
  await checkLists(db, workspaceId, listIds);
  const id = newId("sub");
  const now = new Date();
  const [rows] = await db.batch([
    db
      .insert(subscribers)
      .values({
        id,
        workspaceId,
        email: input.email.raw,
        emailNormalized: input.email.normalized,
        emailHash: hash,
        firstName: input.firstName || null,
        lastName: input.lastName || null,
        status: "subscribed",
        tags: input.tags ?? [],
        attributes: input.attributes ?? {},
        source: access.actor.tokenId ? "api" : "manual",
        confirmedAt: now,
      })
      .returning(),
    db.insert(consentRecords).values({ id: newId("cns"), workspaceId, subscriberId: id, kind: access.actor.tokenId ? "api" : "manual", ip: access.actor.ip ?? null, form: `added by ${access.actor.userId}`, textShown: input.consentText }),
    ...listIds.map((listId) => db.insert(subscriberLists).values({ listId, subscriberId: id, workspaceId })),
    auditEntry(db, access.actor, { workspaceId, action: "subscriber.added", targetType: "subscriber", targetId: id }),
  ]);
  await emitWebhookEvent(db, workspaceId, "subscriber.added", { subscriberId: id, email: input.email.raw, source: rows[0]!.source, listIds });
  return rows[0]!;
}

export async function updateSubscriber(db: Db, access: WorkspaceAccess, id: string, input: z.infer<typeof subscriberUpdate>): Promise<Subscriber> {
  allow(access, "subscribers.manage");
  const { subscriber } = await getSubscriber(db, access, id);
  const workspaceId = access.workspace.id;
  if (input.listIds) await checkLists(db, workspaceId, input.listIds);
  const changes = {
    ...(input.firstName !== undefined ? { firstName: input.firstName || null } : {}),
    ...(input.lastName !== undefined ? { lastName: input.lastName || null } : {}),
    ...(input.tags ? { tags: input.tags } : {}),
    ...(input.attributes ? { attributes: input.attributes } : {}),
  };
  const where = and(eq(subscribers.id, id), eq(subscribers.workspaceId, workspaceId));
  await db.batch([
    auditEntry(db, access.actor, { workspaceId, action: "subscriber.updated", targetType: "subscriber", targetId: subscriber.id }),
    ...(Object.keys(changes).length ? [db.update(subscribers).set(changes).where(where)] : []),
    ...(input.listIds
      ? [db.delete(subscriberLists).where(eq(subscriberLists.subscriberId, id)), ...input.listIds.map((listId) => db.insert(subscriberLists).values({ listId, subscriberId: id, workspaceId }))]
      : []),
  ]);
  return (await db.select().from(subscribers).where(where).get())!;
}

/**
 * Statements that end someone's subscription: the status, a consent record of the withdrawal, and
 * the hashed suppression entry that keeps the address from being mailed or re-imported.
 */
export function unsubscribeStatements(db: Db, s: Pick<Subscriber, "id" | "workspaceId" | "emailHash">, status: "unsubscribed" | "bounced" | "complained", how: { kind: string; ip?: string | null; form?: string | null }) {
  return [
    db.update(subscribers).set({ status, unsubscribedAt: new Date() }).where(and(eq(subscribers.id, s.id), eq(subscribers.workspaceId, s.workspaceId))),
    db.insert(consentRecords).values({ id: newId("cns"), workspaceId: s.workspaceId, subscriberId: s.id, kind: how.kind, ip: how.ip ?? null, form: how.form ?? null, textShown: null }),
    db.insert(suppressions).values({ workspaceId: s.workspaceId, emailHash: s.emailHash, reason: status }).onConflictDoNothing(),
  ] as const;
}

export async function unsubscribeByAdmin(db: Db, access: WorkspaceAccess, id: string): Promise<void> {
  allow(access, "subscribers.manage");
  const { subscriber } = await getSubscriber(db, access, id);
  await db.batch([
    ...unsubscribeStatements(db, subscriber, "unsubscribed", { kind: "unsubscribe", ip: access.actor.ip, form: `by ${access.actor.userId}` }),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "subscriber.unsubscribed", targetType: "subscriber", targetId: id }),
  ]);
  if (subscriber.status !== "unsubscribed") await emitWebhookEvent(db, access.workspace.id, "subscriber.unsubscribed", { subscriberId: id, email: subscriber.email, how: "by a member" });
}

/**
 * GDPR erasure: the person's row, consent records and list memberships go; past deliveries keep
 * their counts but lose the address; only a salted hash stays, on the suppression list, so the
 * address is not re-imported by mistake.
 */
export function erasureStatements(db: Db, s: Pick<Subscriber, "id" | "workspaceId" | "emailHash" | "emailNormalized">) {
  return [
    db.insert(suppressions).values({ workspaceId: s.workspaceId, emailHash: s.emailHash, reason: "erased" }).onConflictDoUpdate({ target: [suppressions.workspaceId, suppressions.emailHash], set: { reason: "erased" } }),
    db.update(emailDeliveries).set({ email: "erased", firstName: null, lastName: null }).where(and(eq(emailDeliveries.subscriberId, s.id), eq(emailDeliveries.workspaceId, s.workspaceId))),
    // Rows of this workspace's imports that were refused (a duplicate, say) still name the address.
    db
      .update(importRejections)
      .set({ email: "erased" })
      .where(and(sql`lower(trim(${importRejections.email})) = ${s.emailNormalized}`, inArray(importRejections.importId, db.select({ id: subscriberImports.id }).from(subscriberImports).where(eq(subscriberImports.workspaceId, s.workspaceId))))),
    db.delete(subscribers).where(and(eq(subscribers.id, s.id), eq(subscribers.workspaceId, s.workspaceId))),
  ] as const;
}

export async function eraseSubscriber(db: Db, access: WorkspaceAccess, id: string): Promise<void> {
  allow(access, "subscribers.erase");
  const { subscriber } = await getSubscriber(db, access, id);
  await db.batch([
    ...erasureStatements(db, subscriber),
    auditIfChanged(db, access.actor, { workspaceId: access.workspace.id, action: "subscriber.erased", targetType: "subscriber", targetId: id }),
  ]);
}
