/**
 * Exports: all subscribers as CSV (streamed page by page, so a large list never sits in memory),
 * and everything held about one person as JSON (GDPR access), including their deliveries.
 */
import { and, asc, between, eq, gt } from "drizzle-orm";
import type { Db } from "../../../lib/db/client";
import { consentRecords, emailDeliveries, emailEvents, emailLists, emailSends, subscriberLists, subscribers, type Subscriber } from "../../../lib/db/schema";
import { toCsv } from "../../../lib/email/csv";
import type { WorkspaceAccess } from "../types";
import { allow, getSubscriber } from "./service";

const PAGE = 1000;
const HEADER = ["email", "first_name", "last_name", "status", "tags", "attributes", "lists", "source", "created_at", "confirmed_at", "unsubscribed_at"];

const isoOrEmpty = (d: Date | null) => (d ? d.toISOString() : "");

export function exportCsv(db: Db, access: WorkspaceAccess): ReadableStream<Uint8Array> {
  allow(access, "subscribers.export");
  const workspaceId = access.workspace.id;
  const encoder = new TextEncoder();
  let after = "";
  let first = true;
  return new ReadableStream({
    async pull(controller) {
      const page = await db
        .select()
        .from(subscribers)
        .where(and(eq(subscribers.workspaceId, workspaceId), gt(subscribers.id, after)))
        .orderBy(asc(subscribers.id))
        .limit(PAGE)
        .all();
      const memberships = page.length
        ? await db
            .select({ subscriberId: subscriberLists.subscriberId, name: emailLists.name })
            .from(subscriberLists)
            .innerJoin(emailLists, eq(emailLists.id, subscriberLists.listId))
            .where(and(eq(subscriberLists.workspaceId, workspaceId), between(subscriberLists.subscriberId, page[0]!.id, page[page.length - 1]!.id)))
            .all()
        : [];
      const listsOf = new Map<string, string[]>();
      for (const m of memberships) listsOf.set(m.subscriberId, [...(listsOf.get(m.subscriberId) ?? []), m.name]);
      const rows = page.map((s: Subscriber) => [
        s.email,
        s.firstName,
        s.lastName,
        s.status,
        s.tags.join(", "),
        Object.keys(s.attributes).length ? JSON.stringify(s.attributes) : "",
        (listsOf.get(s.id) ?? []).join(", "),
        s.source,
        s.createdAt.toISOString(),
        isoOrEmpty(s.confirmedAt),
        isoOrEmpty(s.unsubscribedAt),
      ]);
      const csv = toCsv(HEADER, rows);
      // Papa writes the header with every call; only the first page keeps it.
      const body = first ? csv : csv.slice(csv.indexOf("\r\n") + 2);
      if (rows.length) controller.enqueue(encoder.encode((first ? "" : "\r\n") + body));
      else if (first) controller.enqueue(encoder.encode(csv));
      first = false;
      if (page.length < PAGE) controller.close();
      else after = page[page.length - 1]!.id;
    },
  });
}

/** Everything held about one subscriber (GDPR right of access). */
export async function subscriberData(db: Db, access: WorkspaceAccess, id: string) {
  allow(access, "subscribers.export");
  return dataOf(db, access.workspace.id, (await getSubscriber(db, access, id)).subscriber.id);
}

/** Also used by the subscriber's own preferences page, which authenticates by its signed link. */
export async function dataOf(db: Db, workspaceId: string, subscriberId: string) {
  const subscriber = await db.select().from(subscribers).where(and(eq(subscribers.id, subscriberId), eq(subscribers.workspaceId, workspaceId))).get();
  if (!subscriber) return null;
  const [lists, consent, deliveries] = await Promise.all([
    db.select({ name: emailLists.name, since: subscriberLists.createdAt }).from(subscriberLists).innerJoin(emailLists, eq(emailLists.id, subscriberLists.listId)).where(eq(subscriberLists.subscriberId, subscriberId)).all(),
    db.select().from(consentRecords).where(eq(consentRecords.subscriberId, subscriberId)).all(),
    db
      .select({ id: emailDeliveries.id, subject: emailSends.subject, status: emailDeliveries.status, sentAt: emailDeliveries.sentAt, openedAt: emailDeliveries.openedAt, clickedAt: emailDeliveries.clickedAt })
      .from(emailDeliveries)
      .innerJoin(emailSends, eq(emailSends.id, emailDeliveries.sendId))
      .where(and(eq(emailDeliveries.subscriberId, subscriberId), eq(emailDeliveries.workspaceId, workspaceId)))
      .all(),
  ]);
  const events = deliveries.length
    ? await db.select({ type: emailEvents.type, at: emailEvents.occurredAt, deliveryId: emailEvents.deliveryId }).from(emailEvents).where(and(eq(emailEvents.workspaceId, workspaceId), eq(emailEvents.emailHash, subscriber.emailHash))).all()
    : [];
  return {
    exportedAt: new Date().toISOString(),
    subscriber: {
      email: subscriber.email,
      firstName: subscriber.firstName,
      lastName: subscriber.lastName,
      status: subscriber.status,
      tags: subscriber.tags,
      attributes: subscriber.attributes,
      source: subscriber.source,
      createdAt: subscriber.createdAt.toISOString(),
      confirmedAt: subscriber.confirmedAt?.toISOString() ?? null,
      unsubscribedAt: subscriber.unsubscribedAt?.toISOString() ?? null,
    },
    lists: lists.map((l) => ({ name: l.name, since: l.since.toISOString() })),
    consent: consent.map((c) => ({ kind: c.kind, at: c.createdAt.toISOString(), ip: c.ip, userAgent: c.userAgent, form: c.form, textShown: c.textShown })),
    deliveries: deliveries.map((d) => ({ subject: d.subject, status: d.status, sentAt: d.sentAt?.toISOString() ?? null, openedAt: d.openedAt?.toISOString() ?? null, clickedAt: d.clickedAt?.toISOString() ?? null })),
    events: events.map((e) => ({ type: e.type, at: e.at.toISOString() })),
  };
}
