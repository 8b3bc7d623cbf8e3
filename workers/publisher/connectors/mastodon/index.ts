/**
 * Mastodon, on any instance, with the account's OAuth token: media through POST /api/v2/media
 * (answered 202 while the instance processes it; GET /api/v1/media/:id says 206 until it is ready),
 * then POST /api/v1/statuses with an `Idempotency-Key` (the publication's), so the instance itself
 * returns the same status to a repeated attempt for an hour. After a lost answer `find` also reads
 * the account's recent statuses and matches the text. A thread is a chain of replies
 * (`in_reply_to_id`), each post with a key of its own.
 */
import { validateVariant } from "../../../../lib/domain/platforms";
import { callPlatform, PlatformError, type AccountSession, type Connector, type OutgoingMedia, type OutgoingPost, type PostMetrics, type PostRef } from "../types";
import { mastodonFailure } from "./errors";
import { sameText } from "./text";

type Status = { id: string; url: string | null; uri: string; created_at: string; content: string; in_reply_to_id?: string | null; favourites_count?: number; reblogs_count?: number; replies_count?: number };

const api = (account: AccountSession, path: string) => `${account.serviceUrl.replace(/\/$/, "")}${path}`;
const bearer = (account: AccountSession) => ({ authorization: `Bearer ${account.credentials.accessToken}` });
const refOf = (status: Status): PostRef => ({ externalId: status.id, url: status.url ?? status.uri });

/** How long to wait for the instance to process one upload, and how often to ask. */
export const MEDIA_POLL = { intervalMs: 1000, attempts: 30 };

async function upload(account: AccountSession, media: OutgoingMedia): Promise<string> {
  const form = new FormData();
  form.set("file", new Blob([media.bytes], { type: media.mime }), `upload.${media.mime.split("/")[1] ?? "bin"}`);
  if (media.alt.trim()) form.set("description", media.alt.slice(0, 1500));
  // An attachment no status uses is deleted by the instance: uploading again is harmless.
  const uploaded = await callPlatform("Mastodon", new Request(api(account, "/api/v2/media"), { method: "POST", headers: bearer(account), body: form }), { sends: false, timeoutMs: account.timeoutMs });
  if (!uploaded.ok) throw await mastodonFailure(uploaded, "an attachment");
  const attachment = (await uploaded.json()) as { id: string; url: string | null };
  if (uploaded.status === 200 && attachment.url) return attachment.id;
  for (let i = 0; i < MEDIA_POLL.attempts; i++) {
    await new Promise((resolve) => setTimeout(resolve, MEDIA_POLL.intervalMs));
    const polled = await callPlatform("Mastodon", new Request(api(account, `/api/v1/media/${encodeURIComponent(attachment.id)}`), { headers: bearer(account) }), { sends: false, timeoutMs: account.timeoutMs });
    if (polled.status === 200) return attachment.id;
    if (polled.status !== 206) throw await mastodonFailure(polled, "an attachment");
  }
  throw new PlatformError("unavailable", `The Mastodon instance was still processing an attachment after ${(MEDIA_POLL.attempts * MEDIA_POLL.intervalMs) / 1000} s`);
}

/**
 * What of this publication the instance already has, in order: the first post (its text, not a reply,
 * made since the publication was created), then the reply to it with the second post's text, and so
 * on. Stops at the first part missing, which is where a retry goes on.
 */
async function postedSoFar(account: AccountSession, post: OutgoingPost): Promise<Status[]> {
  const response = await callPlatform("Mastodon", new Request(api(account, `/api/v1/accounts/${encodeURIComponent(account.externalId)}/statuses?limit=40&exclude_reblogs=true`), { headers: bearer(account) }), {
    sends: false,
    timeoutMs: account.timeoutMs,
  });
  if (!response.ok) throw await mastodonFailure(response, "the lookup of an earlier attempt");
  const since = post.createdAt.getTime() - 60_000;
  // Oldest first: if the same words went out twice by other means, the first is ours.
  const statuses = ((await response.json()) as Status[]).filter((s) => Date.parse(s.created_at) >= since).reverse();
  const chain: Status[] = [];
  for (const text of [post.text, ...(post.thread ?? [])]) {
    const parent = chain.at(-1)?.id ?? null;
    const next = statuses.find((s) => (s.in_reply_to_id ?? null) === parent && sameText(s.content, text));
    if (!next) break;
    chain.push(next);
  }
  return chain;
}

/** One key per post of the thread: the publication's own for the first (as before threads), derived for the rest. */
const keyOf = (post: OutgoingPost, part: number) => (part === 0 ? post.idempotencyKey : `${post.idempotencyKey}:${part}`);

export const mastodon: Connector = {
  validate(post) {
    return validateVariant("mastodon", { text: post.text, thread: post.thread ?? [], media: post.media.map((m) => ({ mime: m.mime, size: m.bytes.byteLength })) });
  },

  /**
   * The first post with its media, then each later post as a reply (`in_reply_to_id`) to the one
   * before, each with its own Idempotency-Key. A thread first reads what the instance already has
   * of it, so after a lost answer (even more than the key's hour later) the retry goes on from the
   * first missing post.
   */
  async publish(account, post) {
    const texts = [post.text, ...(post.thread ?? [])];
    const done = texts.length > 1 ? await postedSoFar(account, post) : [];
    const chain = [...done];
    for (let part = chain.length; part < texts.length; part++) {
      const mediaIds: string[] = [];
      if (part === 0) for (const media of post.media) mediaIds.push(await upload(account, media));
      const parent = chain.at(-1)?.id;
      const created = await callPlatform(
        "Mastodon",
        new Request(api(account, "/api/v1/statuses"), {
          method: "POST",
          headers: { ...bearer(account), "content-type": "application/json", "idempotency-key": keyOf(post, part) },
          body: JSON.stringify({ status: texts[part], media_ids: mediaIds, visibility: "public", ...(parent ? { in_reply_to_id: parent } : {}) }),
        }),
        { timeoutMs: account.timeoutMs },
      );
      if (!created.ok) throw await mastodonFailure(created, part === 0 ? "the post" : `post ${part + 1} of the thread`);
      chain.push((await created.json()) as Status);
    }
    return refOf(chain[0]!);
  },

  /** The first post, once every post of the thread is there; a partial thread is not done yet and `publish` completes it. */
  async find(account, post): Promise<PostRef | null> {
    const chain = await postedSoFar(account, post);
    const [first] = chain;
    return first && chain.length === 1 + (post.thread?.length ?? 0) ? refOf(first) : null;
  },

  /** Favourites, boosts and replies; Mastodon counts no impressions or clicks. */
  async metrics(account, ref): Promise<PostMetrics> {
    const response = await callPlatform("Mastodon", new Request(api(account, `/api/v1/statuses/${encodeURIComponent(ref.externalId)}`), { headers: bearer(account) }), { sends: false, timeoutMs: account.timeoutMs });
    if (response.status === 404) throw new PlatformError("rejected", "The Mastodon instance no longer has this post (it may have been deleted)", { status: 404 });
    if (!response.ok) throw await mastodonFailure(response, "the post's figures");
    const status = (await response.json()) as Status;
    return { impressions: null, likes: status.favourites_count ?? 0, comments: status.replies_count ?? 0, shares: status.reblogs_count ?? 0, clicks: null };
  },
};
