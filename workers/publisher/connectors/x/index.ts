/**
 * X through API v2 with the user's OAuth 2.0 token: images through the v2 media upload
 * (POST /2/media/upload, alt text through /2/media/metadata), the post through POST /2/tweets.
 *
 * X takes no idempotency key. After an attempt whose answer was lost, `find` reads the account's
 * tweets since the publication was created (GET /2/users/:id/tweets with start_time) and matches the
 * text, links compared without their t.co form; and X itself refuses a second identical tweet
 * ("duplicate content"), which `publish` turns into the earlier post.
 *
 * A thread is a chain of replies (`reply.in_reply_to_tweet_id`), each answering the post before;
 * the publication is its first post, and `find` calls it done only once its last post is there.
 */
import { validateVariant } from "../../../../lib/domain/platforms";
import { callPlatform, PlatformError, type AccountSession, type Connector, type OutgoingMedia, type OutgoingPost, type PostMetrics, type PostRef } from "../types";
import { isDuplicate, xFailure, xWords } from "./errors";

const base = (account: AccountSession) => account.serviceUrl.replace(/\/$/, "");
const bearer = (account: AccountSession) => ({ authorization: `Bearer ${account.credentials.accessToken}` });
const postUrl = (account: AccountSession, id: string) => `https://x.com/${account.handle}/status/${id}`;

const category = (mime: string) => (mime === "image/gif" ? "tweet_gif" : "tweet_image");

async function upload(account: AccountSession, media: OutgoingMedia): Promise<string> {
  const form = new FormData();
  form.set("media", new Blob([media.bytes], { type: media.mime }));
  form.set("media_category", category(media.mime));
  form.set("media_type", media.mime);
  const uploaded = await callPlatform("X", new Request(`${base(account)}/2/media/upload`, { method: "POST", headers: bearer(account), body: form }), {
    // Media nobody posts expires on X's side: uploading again is harmless.
    sends: false,
    timeoutMs: account.timeoutMs,
  });
  if (!uploaded.ok) throw await xFailure(uploaded, "an image");
  const { data } = (await uploaded.json()) as { data: { id: string } };
  if (media.alt.trim()) {
    const described = await callPlatform(
      "X",
      new Request(`${base(account)}/2/media/metadata`, {
        method: "POST",
        headers: { ...bearer(account), "content-type": "application/json" },
        body: JSON.stringify({ id: data.id, metadata: { alt_text: { text: media.alt.slice(0, 1000) } } }),
      }),
      { sends: false, timeoutMs: account.timeoutMs },
    );
    if (!described.ok) throw await xFailure(described, "an image's alt text");
  }
  return data.id;
}

/** X shortens every link to t.co in what it stores: compare texts with links blanked out. */
const comparable = (text: string) => text.replace(/https?:\/\/\S+/g, "<link>").replace(/\s+/g, " ").trim();

type Tweet = { id: string; text: string; created_at?: string; referenced_tweets?: { type: string; id: string }[] };

const repliesTo = (tweet: Tweet) => tweet.referenced_tweets?.find((r) => r.type === "replied_to")?.id ?? null;

/**
 * What of this publication X already has, in order: the first post (its text, not a reply, made since
 * the publication was created), then the reply to it with the second post's text, and so on. Stops at
 * the first part missing, which is where a retry goes on.
 */
async function postedSoFar(account: AccountSession, post: OutgoingPost): Promise<Tweet[]> {
  const query = new URLSearchParams({
    max_results: "100",
    "tweet.fields": "created_at,referenced_tweets",
    exclude: "retweets",
    start_time: new Date(post.createdAt.getTime() - 60_000).toISOString(),
  });
  const response = await callPlatform("X", new Request(`${base(account)}/2/users/${encodeURIComponent(account.externalId)}/tweets?${query}`, { headers: bearer(account) }), {
    sends: false,
    timeoutMs: account.timeoutMs,
  });
  if (!response.ok) throw await xFailure(response, "the lookup of an earlier attempt");
  const { data = [] } = (await response.json()) as { data?: Tweet[] };
  // Oldest first: if a text went out twice by other means, the first is the one we made.
  const oldestFirst = [...data].reverse();
  const chain: Tweet[] = [];
  for (const text of [post.text, ...(post.thread ?? [])]) {
    const parent = chain.at(-1)?.id ?? null;
    const next = oldestFirst.find((tweet) => repliesTo(tweet) === parent && comparable(tweet.text) === comparable(text));
    if (!next) break;
    chain.push(next);
  }
  return chain;
}

/** Creates one tweet, a reply to `inReplyTo` when given; the media ids go with the first post only. */
async function createTweet(account: AccountSession, text: string, mediaIds: string[], inReplyTo: string | null): Promise<Response> {
  return callPlatform(
    "X",
    new Request(`${base(account)}/2/tweets`, {
      method: "POST",
      headers: { ...bearer(account), "content-type": "application/json" },
      body: JSON.stringify({ text, ...(mediaIds.length ? { media: { media_ids: mediaIds } } : {}), ...(inReplyTo ? { reply: { in_reply_to_tweet_id: inReplyTo } } : {}) }),
    }),
    { timeoutMs: account.timeoutMs },
  );
}

export const x: Connector = {
  validate(post) {
    const problems = validateVariant("x", { text: post.text, thread: post.thread ?? [], media: post.media.map((m) => ({ mime: m.mime, size: m.bytes.byteLength })) });
    if (post.media.some((m) => m.mime.startsWith("video/"))) problems.push("Video posts to X are not supported yet; attach images");
    return problems;
  },

  /**
   * The first post with its media, then each later post as a reply to the one before
   * (`reply.in_reply_to_tweet_id`). A thread first reads what X already has of it: after a lost answer
   * mid-thread, the retry goes on from the first missing post, so no post is made twice and none is
   * skipped. A single post relies on `find` (asked before any retry) and X's duplicate refusal.
   */
  async publish(account, post) {
    const texts = [post.text, ...(post.thread ?? [])];
    const done = texts.length > 1 ? await postedSoFar(account, post) : [];
    const ids = done.map((tweet) => tweet.id);
    for (let part = ids.length; part < texts.length; part++) {
      const mediaIds: string[] = [];
      if (part === 0) for (const media of post.media) mediaIds.push(await upload(account, media));
      const created = await createTweet(account, texts[part]!, mediaIds, ids.at(-1) ?? null);
      if (!created.ok) {
        const error = await xFailure(created, part === 0 ? "the post" : `post ${part + 1} of the thread`);
        // X refuses a tweet identical to a recent one: after a lost answer, that one is ours.
        if (part === 0 && texts.length === 1 && error.kind === "rejected" && isDuplicate((await xWords(created)).words)) {
          const existing = await this.find(account, post);
          if (existing) return existing;
        }
        throw error;
      }
      ids.push(((await created.json()) as { data: Tweet }).data.id);
    }
    return { externalId: ids[0]!, url: postUrl(account, ids[0]!) };
  },

  /** The first post, once every post of the thread is there; a partial thread is not done yet and `publish` completes it. */
  async find(account, post: OutgoingPost): Promise<PostRef | null> {
    const chain = await postedSoFar(account, post);
    const [first] = chain;
    return first && chain.length === 1 + (post.thread?.length ?? 0) ? { externalId: first.id, url: postUrl(account, first.id) } : null;
  },

  /**
   * Likes, replies, reposts with quotes from public_metrics; impressions and link clicks from
   * non_public_metrics, which X gives the author for 30 days; after that, public figures only.
   */
  async metrics(account, ref): Promise<PostMetrics> {
    const read = (fields: string) =>
      callPlatform("X", new Request(`${base(account)}/2/tweets/${encodeURIComponent(ref.externalId)}?tweet.fields=${fields}`, { headers: bearer(account) }), {
        sends: false,
        timeoutMs: account.timeoutMs,
      });
    let response = await read("public_metrics,non_public_metrics");
    let body = response.ok ? ((await response.json()) as { data?: TweetMetrics; errors?: unknown[] }) : null;
    if (response.ok && (!body?.data || body.errors?.length)) {
      response = await read("public_metrics");
      body = response.ok ? ((await response.json()) as { data?: TweetMetrics }) : null;
    }
    if (!response.ok) throw await xFailure(response, "the post's figures");
    const tweet = body?.data;
    if (!tweet) throw new PlatformError("rejected", "X no longer has this post (it may have been deleted)", { status: 404 });
    const pub = tweet.public_metrics ?? {};
    const priv = tweet.non_public_metrics;
    return {
      impressions: priv?.impression_count ?? pub.impression_count ?? null,
      likes: pub.like_count ?? 0,
      comments: pub.reply_count ?? 0,
      shares: (pub.retweet_count ?? 0) + (pub.quote_count ?? 0),
      clicks: priv?.url_link_clicks ?? null,
    };
  },
};

type TweetMetrics = {
  id: string;
  public_metrics?: { retweet_count?: number; reply_count?: number; like_count?: number; quote_count?: number; impression_count?: number };
  non_public_metrics?: { impression_count?: number; url_link_clicks?: number };
};
