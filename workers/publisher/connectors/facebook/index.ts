/**
 * Facebook Pages through the Graph API (graph.facebook.com, pinned version), acting with the Page's
 * own access token. A text post (with its link, which Facebook previews) goes to POST /{page}/feed;
 * one photo to POST /{page}/photos, uploaded from our bytes (multipart `source`, no public URL
 * needed); several photos are uploaded unpublished and attached to one feed post (`attached_media`).
 *
 * Facebook takes no idempotency key. `find` reads the Page's recent posts for this text, made after
 * the publication was created; Facebook itself refuses the same text twice in a row ("Duplicate
 * status message", code 506), and that refusal is answered by looking for the earlier post.
 */
import { validateVariant } from "../../../../lib/domain/platforms";
import { PlatformError, type AccountSession, type Connector, type OutgoingMedia, type PostMetrics, type PostRef } from "../types";
import { FACEBOOK_GRAPH, FACEBOOK_GRAPH_VERSION, graph, insightValues, madeSince, sameText, type GraphTarget } from "./graph";

export const facebookApi = (account: Pick<AccountSession, "serviceUrl" | "credentials" | "timeoutMs">): GraphTarget => ({
  platform: "Facebook",
  base: `${(account.serviceUrl || FACEBOOK_GRAPH).replace(/\/$/, "")}/${FACEBOOK_GRAPH_VERSION}`,
  accessToken: account.credentials.accessToken ?? "",
  timeoutMs: account.timeoutMs,
});

/** A post's id is `{page-id}_{post-id}`; its public address, when Facebook did not give its permalink. */
const postUrl = (id: string) => {
  const [page, post] = id.split("_");
  return post ? `https://www.facebook.com/${page}/posts/${post}` : `https://www.facebook.com/${id}`;
};

const photoForm = (media: OutgoingMedia, fields: Record<string, string>) => {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set("source", new Blob([media.bytes], { type: media.mime }), `photo.${media.mime.split("/")[1]}`);
  return form;
};

async function permalink(api: GraphTarget, id: string): Promise<string> {
  const post = await graph<{ permalink_url?: string }>(api, "the post's link", "GET", id, { fields: "permalink_url" }).catch(() => null);
  return post?.permalink_url ?? postUrl(id);
}

export const facebook: Connector = {
  validate(post) {
    const problems = validateVariant("facebook", { text: post.text, media: post.media.map((m) => ({ mime: m.mime, size: m.bytes.byteLength })) });
    if (post.media.some((m) => m.mime.startsWith("video/"))) problems.push("Video posts to Facebook Pages are not supported yet; attach photos");
    if (!post.text.trim() && !post.link && post.media.length === 0) problems.push("A Facebook post needs text, a link or a photo");
    return problems;
  },

  async publish(account, post) {
    const api = facebookApi(account);
    const page = account.externalId;
    try {
      let id: string;
      const [only, ...more] = post.media;
      if (only && more.length === 0) {
        // One photo is a post of its own; Facebook answers with the photo's id and the post's.
        const photo = await graph<{ id: string; post_id?: string }>(api, "the post", "POST", `${page}/photos`, photoForm(only, { caption: post.text, published: "true" }));
        id = photo.post_id ?? photo.id;
      } else {
        // A link preview and attached photos do not go together in one Facebook post: with photos, the link
        // is whatever the text carries.
        const fields: Record<string, string | undefined> = { message: post.text || undefined, link: post.media.length ? undefined : (post.link ?? undefined) };
        for (const [i, media] of post.media.entries()) {
          // Unpublished photos are seen by nobody until attached: a lost answer here is safe to retry.
          const photo = await graph<{ id: string }>(api, "a photo", "POST", `${page}/photos`, photoForm(media, { published: "false" }), false);
          fields[`attached_media[${i}]`] = JSON.stringify({ media_fbid: photo.id });
        }
        id = (await graph<{ id: string }>(api, "the post", "POST", `${page}/feed`, fields)).id;
      }
      return { externalId: id, url: await permalink(api, id) };
    } catch (err) {
      // "Duplicate status message": the same text went out already, perhaps by an attempt whose answer was lost.
      if (err instanceof PlatformError && err.kind === "rejected" && err.message.includes("(code 506)")) {
        const existing = await this.find(account, post);
        if (existing) return existing;
      }
      throw err;
    }
  },

  async find(account, post): Promise<PostRef | null> {
    const recent = await graph<{ data: { id: string; message?: string; created_time?: string; permalink_url?: string }[] }>(facebookApi(account), "the recent posts", "GET", `${account.externalId}/feed`, {
      fields: "id,message,created_time,permalink_url",
      limit: "25",
    });
    const match = recent.data.find((p) => sameText(p.message, post.text) && madeSince(p.created_time, post.createdAt));
    return match ? { externalId: match.id, url: match.permalink_url ?? postUrl(match.id) } : null;
  },

  /**
   * Reactions, comments and shares from the post's summaries, and views (which replaced
   * impressions in November 2025) and clicks from its insights. Facebook gives insights only to
   * Pages with 100 or more likes: without them, views and clicks are unknown rather than an error.
   */
  async metrics(account, ref): Promise<PostMetrics> {
    const api = facebookApi(account);
    const post = await graph<{ reactions?: { summary?: { total_count?: number } }; comments?: { summary?: { total_count?: number } }; shares?: { count?: number } }>(api, "the post's figures", "GET", ref.externalId, {
      fields: "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares",
    });
    const insights = await graph<Parameters<typeof insightValues>[0]>(api, "the post's insights", "GET", `${ref.externalId}/insights`, { metric: "post_media_view,post_clicks" }).then(insightValues, (err: unknown) => {
      if (err instanceof PlatformError && err.kind === "rejected") return {} as Record<string, number>;
      throw err;
    });
    return {
      impressions: insights.post_media_view ?? null,
      likes: post.reactions?.summary?.total_count ?? 0,
      comments: post.comments?.summary?.total_count ?? 0,
      shares: post.shares?.count ?? 0,
      clicks: insights.post_clicks ?? null,
    };
  },
};
