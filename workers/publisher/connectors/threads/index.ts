/**
 * Threads through the Threads API (graph.threads.net), Meta's Graph API for Threads profiles.
 * Publishing is asynchronous, in two steps: a media container is created (TEXT, IMAGE, VIDEO, or a
 * CAROUSEL of up to 20 items), its status is polled until FINISHED, then `threads_publish` makes it a
 * post and gives its id. Media goes by public URL only: Threads fetches it (see `publicUrl`).
 *
 * The publishing quota (250 posts per moving 24 hours) is read before each post; a full quota waits
 * as a rate limit until the oldest post leaves the window. Threads takes no idempotency key, so
 * `find` looks through the profile's recent posts for this text, made after the publication was.
 * A thread is a chain of replies (`reply_to_id`), found again through the profile's replies.
 */
import { validateVariant } from "../../../../lib/domain/platforms";
import { checkPublishingQuota, graph, insightValues, madeSince, sameText, waitForContainer, type GraphTarget } from "../facebook/graph";
import type { AccountSession, Connector, OutgoingMedia, OutgoingPost, PostMetrics, PostRef } from "../types";

export const THREADS_GRAPH = "https://graph.threads.net";
const VERSION = "v1.0";

export const threadsApi = (account: Pick<AccountSession, "serviceUrl" | "credentials" | "timeoutMs">): GraphTarget => ({
  platform: "Threads",
  base: `${(account.serviceUrl || THREADS_GRAPH).replace(/\/$/, "")}/${VERSION}`,
  accessToken: account.credentials.accessToken ?? "",
  timeoutMs: account.timeoutMs,
});

const readStatus = async (api: GraphTarget, id: string) => {
  const container = await graph<{ status: string; error_message?: string }>(api, "the media's status", "GET", id, { fields: "status,error_message" });
  return { status: container.status, reason: container.error_message ?? null };
};

const mediaParams = (media: OutgoingMedia) =>
  media.mime.startsWith("video/") ? { media_type: "VIDEO", video_url: media.publicUrl, alt_text: media.alt || undefined } : { media_type: "IMAGE", image_url: media.publicUrl, alt_text: media.alt || undefined };

/**
 * Creates a container and waits until it is ready. Creating one changes nothing anyone sees (an
 * unpublished container expires after 24 hours), so a lost answer here is safe to retry (`sends: false`).
 */
async function container(api: GraphTarget, userId: string, params: Record<string, string | undefined>): Promise<string> {
  const { id } = await graph<{ id: string }>(api, "the post's media", "POST", `${userId}/threads`, params, false);
  await waitForContainer(api, id, readStatus);
  return id;
}

/** The first post's container: its text, link and media. */
async function createContainer(api: GraphTarget, userId: string, post: OutgoingPost): Promise<string> {
  const [only, ...more] = post.media;
  if (!only) return container(api, userId, { media_type: "TEXT", text: post.text, link_attachment: post.link ?? undefined });
  if (more.length === 0) return container(api, userId, { ...mediaParams(only), text: post.text || undefined });
  const children = [];
  for (const media of post.media) children.push(await container(api, userId, { ...mediaParams(media), is_carousel_item: "true" }));
  return container(api, userId, { media_type: "CAROUSEL", children: children.join(","), text: post.text || undefined });
}

/** The post's permalink (threads.com/@handle/post/<code>; the code is not the id), or the profile if Threads does not say. */
async function permalink(api: GraphTarget, id: string, handle: string): Promise<string> {
  const post = await graph<{ permalink?: string }>(api, "the post's link", "GET", id, { fields: "permalink" }).catch(() => null);
  return post?.permalink ?? `https://www.threads.com/@${handle}`;
}

type Listed = { id: string; text?: string; timestamp?: string; permalink?: string; replied_to?: { id: string } };

/**
 * What of this publication Threads already has, in order: the first post (its text, made after the
 * publication was, among the profile's recent threads), then the reply to it with the second post's
 * text (among the profile's replies, which need `threads_read_replies`), and so on. Stops at the first
 * part missing, which is where a retry goes on.
 */
async function postedSoFar(api: GraphTarget, account: AccountSession, post: OutgoingPost): Promise<Listed[]> {
  const recent = await graph<{ data: Listed[] }>(api, "the recent posts", "GET", `${account.externalId}/threads`, { fields: "id,text,timestamp,permalink", limit: "25" });
  const first = recent.data.find((p) => sameText(p.text, post.text) && madeSince(p.timestamp, post.createdAt));
  if (!first) return [];
  const chain = [first];
  const thread = post.thread ?? [];
  if (thread.length === 0) return chain;
  const replies = await graph<{ data: Listed[] }>(api, "the recent replies", "GET", `${account.externalId}/replies`, { fields: "id,text,timestamp,permalink,replied_to", limit: "50" });
  for (const text of thread) {
    const next = replies.data.find((p) => p.replied_to?.id === chain.at(-1)!.id && sameText(p.text, text));
    if (!next) break;
    chain.push(next);
  }
  return chain;
}

export const threads: Connector = {
  validate(post) {
    const problems = validateVariant("threads", { text: post.text, thread: post.thread ?? [], media: post.media.map((m) => ({ mime: m.mime, size: m.bytes.byteLength })) });
    if (post.media.some((m) => !m.publicUrl)) problems.push("Threads fetches images and videos from a public address, and this post's media has none");
    if (!post.text.trim() && post.media.length === 0) problems.push("A Threads post needs text or media");
    return problems;
  },

  /**
   * The first post, then each later post of the thread as a TEXT container with `reply_to_id` (the
   * post before), each published in turn. A thread first reads what Threads already has of it: after
   * a lost answer mid-thread, the retry goes on from the first missing post, so none is made twice and
   * none is skipped. A single post relies on `find`, asked before any retry.
   */
  async publish(account, post) {
    const api = threadsApi(account);
    await checkPublishingQuota(api, account.externalId, "threads_publishing_limit", "threads", 250);
    const texts = [post.text, ...(post.thread ?? [])];
    const done = texts.length > 1 ? await postedSoFar(api, account, post) : [];
    const ids = done.map((p) => p.id);
    for (let part = ids.length; part < texts.length; part++) {
      const creationId =
        part === 0
          ? await createContainer(api, account.externalId, post)
          : await container(api, account.externalId, { media_type: "TEXT", text: texts[part], reply_to_id: ids.at(-1) });
      // The step that makes the post: a timeout here is `unknown`, and the next attempt looks first.
      const { id } = await graph<{ id: string }>(api, part === 0 ? "the post" : `post ${part + 1} of the thread`, "POST", `${account.externalId}/threads_publish`, { creation_id: creationId });
      ids.push(id);
    }
    return { externalId: ids[0]!, url: done[0]?.permalink ?? (await permalink(api, ids[0]!, account.handle)) };
  },

  /** The first post, once every post of the thread is there; a partial thread is not done yet and `publish` completes it. */
  async find(account, post): Promise<PostRef | null> {
    const chain = await postedSoFar(threadsApi(account), account, post);
    const [first] = chain;
    return first && chain.length === 1 + (post.thread?.length ?? 0) ? { externalId: first.id, url: first.permalink ?? `https://www.threads.com/@${account.handle}` } : null;
  },

  /** Views, likes, replies, and reposts + quotes + shares, from the post's insights; Threads shows no clicks per post. */
  async metrics(account, ref): Promise<PostMetrics> {
    const values = insightValues(await graph(threadsApi(account), "the post's figures", "GET", `${ref.externalId}/insights`, { metric: "views,likes,replies,reposts,quotes,shares" }));
    const n = (name: string) => values[name] ?? 0;
    return { impressions: values.views ?? null, likes: n("likes"), comments: n("replies"), shares: n("reposts") + n("quotes") + n("shares"), clicks: null };
  },
};
