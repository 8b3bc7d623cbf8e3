/**
 * LinkedIn through the Posts API (POST /rest/posts), as a member or as an organisation page the
 * member administers (the account's external id is the author URN). Images go through the Images
 * API (initializeUpload, then a PUT of the bytes to the upload URL it gives). The post's id comes
 * back in the `x-restli-id` header.
 *
 * LinkedIn takes no idempotency key. It refuses a post identical to a recent one with "Content is a
 * duplicate of urn:li:share:…", which names the earlier post: after a lost answer that one is ours.
 * `find` lists the author's recent posts (GET /rest/posts?q=author) and matches the commentary (for a
 * member, only where LinkedIn granted the app r_member_social; otherwise the duplicate refusal is
 * the guard).
 */
import { validateVariant } from "../../../../lib/domain/platforms";
import { callPlatform, PlatformError, type AccountSession, type Connector, type OutgoingMedia, type OutgoingPost, type PostMetrics, type PostRef } from "../types";
import { LINKEDIN_API, linkedInFailure, linkedInGet, linkedInHeaders, linkedInWords } from "./api";
import { littleText } from "./little-text";

const postUrl = (urn: string) => `https://www.linkedin.com/feed/update/${urn}/`;
const token = (account: AccountSession) => account.credentials.accessToken!;
const base = (account: AccountSession) => account.serviceUrl.replace(/\/$/, "") || LINKEDIN_API;

async function uploadImage(account: AccountSession, media: OutgoingMedia): Promise<string> {
  const init = await callPlatform(
    "LinkedIn",
    new Request(`${base(account)}/rest/images?action=initializeUpload`, {
      method: "POST",
      headers: linkedInHeaders(token(account), true),
      body: JSON.stringify({ initializeUploadRequest: { owner: account.externalId } }),
    }),
    // An image no post uses is never shown: uploading again is harmless.
    { sends: false, timeoutMs: account.timeoutMs },
  );
  if (!init.ok) throw await linkedInFailure(init, "an image");
  const { value } = (await init.json()) as { value: { uploadUrl: string; image: string } };
  const put = await callPlatform("LinkedIn", new Request(value.uploadUrl, { method: "PUT", headers: { authorization: `Bearer ${token(account)}`, "content-type": media.mime }, body: media.bytes }), {
    sends: false,
    timeoutMs: account.timeoutMs,
  });
  if (!put.ok) throw await linkedInFailure(put, "an image");
  return value.image;
}

type LinkedInPost = { id: string; commentary?: string; createdAt?: number; author: string };

export const linkedin: Connector = {
  validate(post) {
    const problems = validateVariant("linkedin", { text: post.text, media: post.media.map((m) => ({ mime: m.mime, size: m.bytes.byteLength })) });
    if (post.media.some((m) => !m.mime.startsWith("image/"))) problems.push("Video and document posts to LinkedIn are not supported yet; attach images");
    return problems;
  },

  async publish(account, post) {
    const images: { id: string; altText: string }[] = [];
    for (const media of post.media) images.push({ id: await uploadImage(account, media), altText: media.alt.slice(0, 4086) });
    const content = images.length === 1 ? { media: images[0] } : images.length > 1 ? { multiImage: { images } } : undefined;
    const created = await callPlatform(
      "LinkedIn",
      new Request(`${base(account)}/rest/posts`, {
        method: "POST",
        headers: linkedInHeaders(token(account), true),
        body: JSON.stringify({
          author: account.externalId,
          commentary: littleText(post.text),
          visibility: "PUBLIC",
          distribution: { feedDistribution: "MAIN_FEED", targetEntities: [], thirdPartyDistributionChannels: [] },
          ...(content ? { content } : {}),
          lifecycleState: "PUBLISHED",
          isReshareDisabledByAuthor: false,
        }),
      }),
      { timeoutMs: account.timeoutMs },
    );
    if (!created.ok) {
      // "Content is a duplicate of urn:li:share:…": an earlier attempt of this post whose answer was lost.
      const duplicate = (await linkedInWords(created)).words.match(/duplicate of (urn:li:(?:share|ugcPost):\d+)/);
      if (created.status === 422 && duplicate) return { externalId: duplicate[1]!, url: postUrl(duplicate[1]!) };
      throw await linkedInFailure(created, "the post");
    }
    const urn = created.headers.get("x-restli-id");
    if (!urn) throw new PlatformError("unknown", "LinkedIn accepted the post without giving its id");
    return { externalId: urn, url: postUrl(urn) };
  },

  async find(account, post: OutgoingPost): Promise<PostRef | null> {
    const query = new URLSearchParams({ q: "author", author: account.externalId, count: "50", sortBy: "LAST_MODIFIED" });
    let page: { elements: LinkedInPost[] };
    try {
      page = await linkedInGet<{ elements: LinkedInPost[] }>(token(account), `/rest/posts?${query}`, "the lookup of an earlier attempt", account.timeoutMs);
    } catch (err) {
      // LinkedIn lets only apps it approved (r_member_social) list a member's posts. Without that,
      // the guard is LinkedIn's own: it refuses the same commentary again and names the earlier
      // post, which `publish` returns instead of posting twice.
      if (err instanceof PlatformError && err.details.status === 403 && account.externalId.startsWith("urn:li:person:")) return null;
      throw err;
    }
    const sent = littleText(post.text);
    const since = post.createdAt.getTime() - 60_000;
    const match = page.elements.filter((p) => (p.createdAt ?? Infinity) >= since).reverse().find((p) => p.commentary === sent);
    return match ? { externalId: match.id, url: postUrl(match.id) } : null;
  },

  /** Likes and comments (socialActions); LinkedIn gives impressions and clicks to pages only, through share statistics. */
  async metrics(account, ref): Promise<PostMetrics> {
    const summary = await linkedInGet<{ likesSummary?: { totalLikes?: number }; commentsSummary?: { aggregatedTotalComments?: number } }>(
      token(account),
      `/rest/socialActions/${encodeURIComponent(ref.externalId)}`,
      "the post's figures",
      account.timeoutMs,
    );
    return { impressions: null, likes: summary.likesSummary?.totalLikes ?? 0, comments: summary.commentsSummary?.aggregatedTotalComments ?? 0, shares: null, clicks: null };
  },
};
