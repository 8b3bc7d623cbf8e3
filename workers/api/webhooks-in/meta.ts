/**
 * Meta's webhook payloads, read into our events. Graph API webhooks (Facebook Pages, Instagram) come
 * as `{object: "page" | "instagram", entry: [{id, time, changes: [{field, value}]}]}`, where the
 * entry id is the Page or Instagram account the change is about; Threads webhooks as
 * `{app_id, topic, target_id, time, values: {field, value}}`. Meta gives no delivery id, so each
 * change gets one from what it is about (`feed:comment:add:<comment id>`), and a change this code
 * does not act on is still stored under a hash of its content.
 *
 * Handled: Facebook `feed` comments added and posts removed, Page `mention`s; Instagram `comments`
 * and `mentions`; Threads `replies`, `mentions` and `delete`.
 */
import { z } from "zod";
import { sha256Hex } from "../../../lib/crypto/encoding";
import type { PlatformEvent } from "./record";

const id = z.union([z.string(), z.number()]).transform(String);
const change = z.looseObject({ field: z.string(), value: z.unknown() });
const graphEntry = z.looseObject({ id, time: z.number().optional(), changes: z.array(z.unknown()).default([]) });
export const graphDelivery = z.looseObject({ object: z.string(), entry: z.array(z.unknown()).max(1000) });

const feedValue = z.looseObject({
  item: z.string(),
  verb: z.string(),
  post_id: id.optional(),
  comment_id: id.optional(),
  parent_id: id.optional(),
  from: z.looseObject({ id: id.optional(), name: z.string().optional() }).optional(),
  sender_name: z.string().optional(),
  message: z.string().optional(),
  created_time: z.number().optional(),
  post: z.looseObject({ permalink_url: z.string().optional() }).optional(),
});
const igComment = z.looseObject({
  id,
  text: z.string().default(""),
  from: z.looseObject({ id: id.optional(), username: z.string().optional() }).optional(),
  media: z.looseObject({ id }).optional(),
  parent_id: id.optional(),
});
const igMention = z.looseObject({ comment_id: id.optional(), media_id: id });

const threadsValue = z.looseObject({
  id,
  username: z.string().optional(),
  text: z.string().optional(),
  permalink: z.string().optional(),
  timestamp: z.string().optional(),
  replied_to: z.looseObject({ id }).optional(),
  root_post: z.looseObject({ id, owner_id: id.optional() }).optional(),
  owner: z.looseObject({ id }).optional(),
});
const threadsValues = z.looseObject({ field: z.string(), value: z.unknown() });
export const threadsDelivery = z.looseObject({ target_id: id.optional(), time: z.number().optional(), values: z.union([threadsValues, z.array(threadsValues)]) });

const DELETABLE_ITEMS = new Set(["post", "status", "photo", "video", "share"]);
const seconds = (s: number | undefined) => new Date(s ? s * 1000 : Date.now());
const httpUrl = (u: string | undefined) => (u && /^https:\/\//i.test(u) ? u : null);

async function fallbackId(...parts: unknown[]): Promise<string> {
  return `hash:${await sha256Hex(JSON.stringify(parts))}`;
}

/** A Graph API delivery (object `page` or `instagram`) as events; other objects give none. */
export async function graphEvents(delivery: z.infer<typeof graphDelivery>): Promise<PlatformEvent[]> {
  const platform = delivery.object === "page" ? "facebook" : delivery.object === "instagram" ? "instagram" : null;
  if (!platform) return [];
  const out: PlatformEvent[] = [];
  for (const raw of delivery.entry) {
    const entry = graphEntry.safeParse(raw);
    if (!entry.success) continue;
    for (const rawChange of entry.data.changes) {
      const parsed = change.safeParse(rawChange);
      if (!parsed.success) continue;
      const { field, value } = parsed.data;
      const base = { source: platform, platform, accountIds: [entry.data.id], payload: { object: delivery.object, entryId: entry.data.id, time: entry.data.time, field, value } } as const;
      const event = platform === "facebook" ? facebookChange(field, value, entry.data.time) : instagramChange(field, value, entry.data.time);
      out.push({ ...base, ...(event ?? { type: `other:${field}`, eventId: await fallbackId(entry.data.id, entry.data.time, field, value) }) });
    }
  }
  return out;
}

type Acted = Pick<PlatformEvent, "eventId" | "type" | "inbox" | "deletedPost">;

function facebookChange(field: string, raw: unknown, time: number | undefined): Acted | null {
  const v = feedValue.safeParse(raw);
  if (!v.success) return null;
  const value = v.data;
  const author = value.from?.name ?? value.sender_name ?? value.from?.id ?? "someone";
  if (field === "feed" && value.item === "comment" && value.verb === "add" && value.comment_id) {
    return {
      eventId: `feed:comment:add:${value.comment_id}`,
      type: "comment",
      inbox: {
        kind: "comment",
        externalId: value.comment_id,
        author,
        text: value.message ?? "",
        url: httpUrl(value.post?.permalink_url) ?? `https://www.facebook.com/${encodeURIComponent(value.comment_id)}`,
        occurredAt: seconds(value.created_time ?? time),
        onPosts: [value.post_id, value.parent_id].filter((p): p is string => !!p),
      },
    };
  }
  if (field === "feed" && DELETABLE_ITEMS.has(value.item) && value.verb === "remove" && value.post_id) {
    return { eventId: `feed:${value.item}:remove:${value.post_id}`, type: "post_deleted", deletedPost: value.post_id };
  }
  if (field === "mention" && value.verb === "add" && (value.comment_id ?? value.post_id)) {
    const externalId = (value.comment_id ?? value.post_id)!;
    return {
      eventId: `mention:add:${externalId}`,
      type: "mention",
      inbox: { kind: "mention", externalId, author, text: value.message ?? "", url: `https://www.facebook.com/${encodeURIComponent(externalId)}`, occurredAt: seconds(value.created_time ?? time), onPosts: [] },
    };
  }
  return null;
}

function instagramChange(field: string, raw: unknown, time: number | undefined): Acted | null {
  if (field === "comments") {
    const v = igComment.safeParse(raw);
    if (!v.success) return null;
    const c = v.data;
    return {
      eventId: `comments:${c.id}`,
      type: "comment",
      // Instagram gives no address for a comment; the inbox links the post (our publication) instead.
      inbox: { kind: "comment", externalId: c.id, author: c.from?.username ?? c.from?.id ?? "someone", text: c.text, url: null, occurredAt: seconds(time), onPosts: c.media ? [c.media.id] : [] },
    };
  }
  if (field === "mentions") {
    const v = igMention.safeParse(raw);
    if (!v.success) return null;
    const externalId = v.data.comment_id ?? v.data.media_id;
    // The notification carries ids only: what was said is read on Instagram (or through the API).
    return { eventId: `mentions:${externalId}`, type: "mention", inbox: { kind: "mention", externalId, author: "someone", text: "", url: null, occurredAt: seconds(time), onPosts: [] } };
  }
  return null;
}

/** A Threads delivery as events. */
export async function threadsEvents(delivery: z.infer<typeof threadsDelivery>): Promise<PlatformEvent[]> {
  const list = Array.isArray(delivery.values) ? delivery.values : [delivery.values];
  const out: PlatformEvent[] = [];
  for (const { field, value: raw } of list) {
    const base = { source: "threads", platform: "threads", payload: { target_id: delivery.target_id, time: delivery.time, field, value: raw } } as const;
    const v = threadsValue.safeParse(raw);
    const target = delivery.target_id ? [delivery.target_id] : [];
    if (v.success && (field === "replies" || field === "mentions")) {
      const value = v.data;
      const occurred = value.timestamp ? new Date(value.timestamp.replace(/([+-]\d{2})(\d{2})$/, "$1:$2")) : seconds(delivery.time);
      out.push({
        ...base,
        // A reply is about the account that owns the thread it is in; a mention about the account mentioned.
        accountIds: [...target, ...(value.root_post?.owner_id ? [value.root_post.owner_id] : [])],
        eventId: `${field}:${value.id}`,
        type: field === "replies" ? "comment" : "mention",
        inbox: {
          kind: field === "replies" ? "comment" : "mention",
          externalId: value.id,
          author: value.username ?? "someone",
          text: value.text ?? "",
          url: httpUrl(value.permalink),
          occurredAt: Number.isNaN(occurred.getTime()) ? seconds(delivery.time) : occurred,
          onPosts: [value.replied_to?.id, value.root_post?.id].filter((p): p is string => !!p),
        },
      });
    } else if (v.success && field === "delete") {
      out.push({ ...base, accountIds: [...target, ...(v.data.owner ? [v.data.owner.id] : [])], eventId: `delete:${v.data.id}`, type: "post_deleted", deletedPost: v.data.id });
    } else {
      out.push({ ...base, accountIds: target, eventId: await fallbackId(delivery.target_id, delivery.time, field, raw), type: `other:${field}` });
    }
  }
  return out;
}
