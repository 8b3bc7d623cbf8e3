/**
 * X's Account Activity API payloads, read into our events: `{for_user_id, tweet_create_events: [tweet],
 * tweet_delete_events: [{status: {id, user_id}, timestamp_ms}]}`, where `for_user_id` is the
 * subscribed account (ours). A tweet by someone else that replies to the account is a comment; any
 * other is a mention. The account's own tweets are stored but not put in the inbox. Other event
 * kinds (likes, follows, DMs) are stored under a hash of their content, not acted on.
 */
import { z } from "zod";
import { sha256Hex } from "../../../lib/crypto/encoding";
import type { PlatformEvent } from "./record";

const tweet = z.looseObject({
  id_str: z.string().min(1),
  text: z.string().default(""),
  created_at: z.string().optional(),
  timestamp_ms: z.string().optional(),
  in_reply_to_status_id_str: z.string().nullish(),
  in_reply_to_user_id_str: z.string().nullish(),
  user: z.looseObject({ id_str: z.string(), screen_name: z.string().optional(), name: z.string().optional() }),
  extended_tweet: z.looseObject({ full_text: z.string() }).optional(),
});
const deletion = z.looseObject({ status: z.looseObject({ id: z.string().min(1), user_id: z.string().optional() }), timestamp_ms: z.string().optional() });

export const xDelivery = z.looseObject({
  for_user_id: z.string().min(1),
  tweet_create_events: z.array(z.unknown()).max(1000).optional(),
  tweet_delete_events: z.array(z.unknown()).max(1000).optional(),
});

const KNOWN = new Set(["for_user_id", "tweet_create_events", "tweet_delete_events", "user_has_blocked", "source"]);

export async function xEvents(delivery: z.infer<typeof xDelivery>): Promise<PlatformEvent[]> {
  const account = delivery.for_user_id;
  const base = { source: "x", platform: "x", accountIds: [account] } as const;
  const out: PlatformEvent[] = [];
  for (const raw of delivery.tweet_create_events ?? []) {
    const parsed = tweet.safeParse(raw);
    if (!parsed.success) continue;
    const t = parsed.data;
    const eventId = `tweet_create:${t.id_str}`;
    if (t.user.id_str === account) {
      out.push({ ...base, eventId, type: "own_post", payload: raw });
      continue;
    }
    const reply = t.in_reply_to_user_id_str === account;
    const handle = t.user.screen_name;
    const at = t.timestamp_ms && /^\d+$/.test(t.timestamp_ms) ? new Date(Number(t.timestamp_ms)) : t.created_at ? new Date(t.created_at) : new Date();
    out.push({
      ...base,
      eventId,
      type: reply ? "comment" : "mention",
      payload: raw,
      inbox: {
        kind: reply ? "comment" : "mention",
        externalId: t.id_str,
        author: handle ? `@${handle}` : (t.user.name ?? t.user.id_str),
        text: t.extended_tweet?.full_text ?? t.text,
        url: `https://x.com/${encodeURIComponent(handle ?? "i")}/status/${encodeURIComponent(t.id_str)}`,
        occurredAt: Number.isNaN(at.getTime()) ? new Date() : at,
        onPosts: t.in_reply_to_status_id_str ? [t.in_reply_to_status_id_str] : [],
      },
    });
  }
  for (const raw of delivery.tweet_delete_events ?? []) {
    const parsed = deletion.safeParse(raw);
    if (!parsed.success) continue;
    out.push({ ...base, eventId: `tweet_delete:${parsed.data.status.id}`, type: "post_deleted", payload: raw, deletedPost: parsed.data.status.id });
  }
  for (const [key, value] of Object.entries(delivery)) {
    if (KNOWN.has(key)) continue;
    out.push({ ...base, eventId: `hash:${await sha256Hex(JSON.stringify([account, key, value]))}`, type: `other:${key}`, payload: { [key]: value } });
  }
  return out;
}
