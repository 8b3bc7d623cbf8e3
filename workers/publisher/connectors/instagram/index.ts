/**
 * Instagram professional accounts through the Instagram API with Facebook Login (graph.facebook.com):
 * the account is the Instagram account linked to a Facebook Page, acting with that Page's token.
 *
 * Publishing is Instagram's container → publish: POST /{ig-user-id}/media makes a container (an
 * image, a reel, or a carousel of up to 10 items), its `status_code` is polled until FINISHED (ERROR
 * and EXPIRED refuse the post with Instagram's reason), then /media_publish makes the post and gives
 * its id. The publishing quota (GET /content_publishing_limit) is read before every post; a full one
 * waits as a rate limit until a slot frees.
 *
 * Instagram takes media by URL only ("we cURL media used in publishing attempts"): each item needs a
 * `publicUrl`, a signed, short-lived public address of the file in R2 that the publisher mints for
 * the attempt (see types.ts). Without one the post is refused before anything is sent.
 *
 * Instagram has no idempotency key: `find` looks through the account's recent media for this
 * caption, posted after the publication was created.
 */
import { validateVariant } from "../../../../lib/domain/platforms";
import { checkPublishingQuota, FACEBOOK_GRAPH, FACEBOOK_GRAPH_VERSION, graph, insightValues, madeSince, sameText, waitForContainer, type GraphTarget } from "../facebook/graph";
import type { AccountSession, Connector, OutgoingMedia, OutgoingPost, PostMetrics, PostRef } from "../types";

export const instagramApi = (account: Pick<AccountSession, "serviceUrl" | "credentials" | "timeoutMs">): GraphTarget => ({
  platform: "Instagram",
  base: `${(account.serviceUrl || FACEBOOK_GRAPH).replace(/\/$/, "")}/${FACEBOOK_GRAPH_VERSION}`,
  accessToken: account.credentials.accessToken ?? "",
  timeoutMs: account.timeoutMs,
});

const readStatus = async (api: GraphTarget, id: string) => {
  // `status` carries the error subcode and Instagram's words when status_code is ERROR.
  const container = await graph<{ status_code: string; status?: string }>(api, "the media's status", "GET", id, { fields: "status_code,status" });
  return { status: container.status_code, reason: container.status ?? null };
};

/** One item: an image (with its alt text) or a video, which Instagram posts as a reel. */
function itemParams(media: OutgoingMedia, inCarousel: boolean): Record<string, string | undefined> {
  if (media.mime.startsWith("video/")) return { media_type: inCarousel ? "VIDEO" : "REELS", video_url: media.publicUrl };
  return { image_url: media.publicUrl, alt_text: media.alt || undefined };
}

/** Makes a container and waits for it. An unpublished container is seen by nobody, so a lost answer here is safe to retry. */
async function container(api: GraphTarget, userId: string, params: Record<string, string | undefined>): Promise<string> {
  const { id } = await graph<{ id: string }>(api, "the post's media", "POST", `${userId}/media`, params, false);
  await waitForContainer(api, id, readStatus);
  return id;
}

async function createContainer(api: GraphTarget, userId: string, post: OutgoingPost): Promise<string> {
  const caption = post.text || undefined;
  if (post.media.length === 1) return container(api, userId, { ...itemParams(post.media[0]!, false), caption });
  const children = [];
  for (const media of post.media) children.push(await container(api, userId, { ...itemParams(media, true), is_carousel_item: "true" }));
  return container(api, userId, { media_type: "CAROUSEL", children: children.join(","), caption });
}

export const instagram: Connector = {
  validate(post) {
    const problems = validateVariant("instagram", { text: post.text, media: post.media.map((m) => ({ mime: m.mime, size: m.bytes.byteLength })) });
    if (post.media.some((m) => !m.publicUrl)) problems.push("Instagram fetches images and videos from a public address, and this post's media has none");
    return problems;
  },

  async publish(account, post) {
    const api = instagramApi(account);
    await checkPublishingQuota(api, account.externalId, "content_publishing_limit", "media", 100);
    const creationId = await createContainer(api, account.externalId, post);
    // The step that makes the post: a timeout here is `unknown`, and the next attempt looks first.
    const { id } = await graph<{ id: string }>(api, "the post", "POST", `${account.externalId}/media_publish`, { creation_id: creationId });
    const media = await graph<{ permalink?: string }>(api, "the post's link", "GET", id, { fields: "permalink" }).catch(() => null);
    return { externalId: id, url: media?.permalink ?? `https://www.instagram.com/${account.handle}/` };
  },

  async find(account, post): Promise<PostRef | null> {
    const recent = await graph<{ data: { id: string; caption?: string; timestamp?: string; permalink?: string }[] }>(instagramApi(account), "the recent posts", "GET", `${account.externalId}/media`, {
      fields: "id,caption,timestamp,permalink",
      limit: "25",
    });
    const match = recent.data.find((m) => sameText(m.caption, post.text) && madeSince(m.timestamp, post.createdAt));
    return match ? { externalId: match.id, url: match.permalink ?? `https://www.instagram.com/${account.handle}/` } : null;
  },

  /** Views (Instagram's replacement for impressions), likes, comments and shares from the media's insights; no clicks per post. */
  async metrics(account, ref): Promise<PostMetrics> {
    const values = insightValues(await graph(instagramApi(account), "the post's figures", "GET", `${ref.externalId}/insights`, { metric: "views,likes,comments,shares" }));
    return { impressions: values.views ?? null, likes: values.likes ?? 0, comments: values.comments ?? 0, shares: values.shares ?? 0, clicks: null };
  },
};
