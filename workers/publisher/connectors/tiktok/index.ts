/**
 * TikTok through the Content Posting API (Direct Post), with the creator's OAuth token.
 *
 * Each post first asks for the creator's settings (creator_info: which audiences they allow, whether
 * comments, duets and stitches are off), as TikTok requires. A video is uploaded from our bytes
 * (FILE_UPLOAD: /video/init/ gives an upload URL, the bytes go in chunks with Content-Range); photos
 * go by public URL (PULL_FROM_URL through /content/init/). TikTok then processes and moderates the
 * post, and /status/fetch/ is polled: the post is published only at PUBLISH_COMPLETE.
 *
 * TikTok takes no idempotency key, and moderation can take minutes or hours, during which the post
 * is listed nowhere. So the publish id is noted with the publication (`notePending`) before the bytes
 * go, and `find` asks TikTok about that publish id first: done → the post; still processing →
 * `unknown` (look again later, never post again meanwhile); failed → nothing, safe to try again.
 * Without a note, `find` reads the creator's recent public videos for this caption.
 */
import { validateVariant } from "../../../../lib/domain/platforms";
import { callPlatform, PlatformError, type AccountSession, type Connector, type OutgoingPost, type PostMetrics, type PostRef } from "../types";
import { tiktokCall, tiktokError } from "./api";

const MB = 1024 * 1024;
/**
 * Upload chunks: TikTok takes a video up to 64 MB as one chunk; larger ones in chunks of 5–64 MB,
 * the last absorbing the remainder (up to 128 MB). Status polls: at most 30 a minute per token, and
 * moderation "usually within a minute"; the wait ends within 90 s, inside the two-minute claim of
 * publish.ts, and later attempts follow the noted publish id. Tests shorten all of it.
 */
export const tiktokTiming = { singleChunkMaxBytes: 64 * MB, chunkBytes: 64 * MB, firstPollMs: 3_000, maxPollMs: 20_000, maxWaitMs: 90_000 };

type CreatorInfo = { creator_username: string; creator_nickname?: string; privacy_level_options: string[]; comment_disabled: boolean; duet_disabled: boolean; stitch_disabled: boolean; max_video_post_duration_sec?: number };
type PublishStatus = { status: string; fail_reason?: string; publicaly_available_post_id?: (string | number)[]; uploaded_bytes?: number };

/** Notes the publish id with the publication, where publish.ts keeps notes (see OutgoingPost.notePending). */
async function note(post: OutgoingPost, publishId: string | null): Promise<void> {
  post.pending = publishId;
  await post.notePending?.(publishId);
}

/** The audience: the one stored for the account if the creator allows it, else public if allowed, else the first they allow. */
function privacyFor(account: AccountSession, creator: CreatorInfo): string {
  const options = creator.privacy_level_options;
  const wanted = account.credentials.privacyLevel;
  if (wanted && options.includes(wanted)) return wanted;
  if (options.includes("PUBLIC_TO_EVERYONE")) return "PUBLIC_TO_EVERYONE";
  const first = options[0];
  if (!first) throw new PlatformError("rejected", "TikTok offers this creator no audience to post to right now");
  return first;
}

const videoUrl = (username: string, id: string) => `https://www.tiktok.com/@${username}/video/${id}`;

/** Sends the video in chunks; TikTok answers 206 until the last, then 201. */
async function uploadChunks(account: AccountSession, uploadUrl: string, bytes: Uint8Array, mime: string, chunkSize: number, count: number): Promise<void> {
  const size = bytes.byteLength;
  for (let i = 0; i < count; i++) {
    const first = i * chunkSize;
    const last = i === count - 1 ? size - 1 : first + chunkSize - 1;
    const final = i === count - 1;
    const request = new Request(uploadUrl, { method: "PUT", headers: { "content-type": mime, "content-range": `bytes ${first}-${last}/${size}` }, body: bytes.slice(first, last + 1) });
    let response: Response;
    try {
      response = await callPlatform("TikTok", request, { sends: final, timeoutMs: account.timeoutMs });
    } catch (err) {
      // Without the final chunk there is no post; after sending it, the status will say.
      if (final && err instanceof PlatformError) return;
      throw err;
    }
    if (response.status === 201 || response.status === 206 || response.ok) continue;
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw tiktokError(body.error?.code ?? `http_${response.status}`, body.error?.message ?? `the upload answered HTTP ${response.status}`, "the video's upload", response.status, response.headers);
  }
}

/** What TikTok says about a publish id now. */
const statusOf = (account: AccountSession, publishId: string) => tiktokCall<PublishStatus>(account, "the post's status", "/v2/post/publish/status/fetch/", { publish_id: publishId });

/** The post for a PUBLISH_COMPLETE status: its public id, or (a post only its creator sees) the publish id. */
function refFor(status: PublishStatus, publishId: string, username: string): PostRef {
  const id = status.publicaly_available_post_id?.[0];
  return id === undefined ? { externalId: publishId, url: `https://www.tiktok.com/@${username}` } : { externalId: String(id), url: videoUrl(username, String(id)) };
}

/** A finished status as the post or as the reason it failed; null while TikTok is still at it. */
function settled(status: PublishStatus, publishId: string, username: string): PostRef | PlatformError | null {
  if (status.status === "PUBLISH_COMPLETE") return refFor(status, publishId, username);
  if (status.status === "FAILED") return tiktokError(status.fail_reason ?? "unknown", "the post failed while TikTok processed it", "the post");
  if (status.status === "SEND_TO_USER_INBOX") return new PlatformError("rejected", "TikTok sent the video to the creator's inbox as a draft instead of posting it");
  return null;
}

/** Polls until the post is complete or failed; after the wait, the outcome is `unknown` and `find` follows it up. */
async function confirm(account: AccountSession, post: OutgoingPost, publishId: string, username: string): Promise<PostRef> {
  const started = Date.now();
  let delay = tiktokTiming.firstPollMs;
  for (;;) {
    const outcome = settled(await statusOf(account, publishId), publishId, username);
    if (outcome instanceof PlatformError) {
      // TikTok said the post failed: nothing was posted, so a new attempt need not wait for this one.
      await note(post, null);
      throw outcome;
    }
    if (outcome) return outcome;
    if (Date.now() - started + delay > tiktokTiming.maxWaitMs) {
      throw new PlatformError("unknown", `TikTok was still processing the post after ${Math.round((Date.now() - started) / 1000)} s; it will be looked up again before any new attempt`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, tiktokTiming.maxPollMs);
  }
}

export const tiktok: Connector = {
  validate(post) {
    const problems = validateVariant("tiktok", { text: post.text, media: post.media.map((m) => ({ mime: m.mime, size: m.bytes.byteLength })) });
    if (post.media.some((m) => m.mime.startsWith("image/") && !m.publicUrl)) problems.push("TikTok fetches photos from a public address, and this post's photos have none");
    return problems;
  },

  async publish(account, post) {
    const creator = await tiktokCall<CreatorInfo>(account, "the creator's settings", "/v2/post/publish/creator_info/query/");
    const username = creator.creator_username || account.handle;
    const privacy = privacyFor(account, creator);
    const settings = { privacy_level: privacy, disable_comment: creator.comment_disabled, disable_duet: creator.duet_disabled, disable_stitch: creator.stitch_disabled };
    const video = post.media.find((m) => m.mime.startsWith("video/"));
    let publishId: string;
    if (video) {
      const size = video.bytes.byteLength;
      const single = size <= tiktokTiming.singleChunkMaxBytes;
      const chunkSize = single ? size : tiktokTiming.chunkBytes;
      const count = single ? 1 : Math.floor(size / chunkSize);
      // Nothing is posted until the bytes arrive, so a lost answer to the init is safe (sends: false).
      const init = await tiktokCall<{ publish_id: string; upload_url: string }>(account, "the post", "/v2/post/publish/video/init/", {
        post_info: { title: post.text, ...settings },
        source_info: { source: "FILE_UPLOAD", video_size: size, chunk_size: chunkSize, total_chunk_count: count },
      });
      publishId = init.publish_id;
      await note(post, publishId);
      try {
        await uploadChunks(account, init.upload_url, video.bytes, video.mime, chunkSize, count);
      } catch (err) {
        await note(post, null);
        throw err;
      }
    } else {
      // Photos: TikTok pulls them from their public addresses and posts at once, so this call sends.
      const init = await tiktokCall<{ publish_id: string }>(
        account,
        "the post",
        "/v2/post/publish/content/init/",
        {
          post_info: { description: post.text, ...settings, auto_add_music: true },
          source_info: { source: "PULL_FROM_URL", photo_cover_index: 0, photo_images: post.media.map((m) => m.publicUrl) },
          post_mode: "DIRECT_POST",
          media_type: "PHOTO",
        },
        { sends: true },
      );
      publishId = init.publish_id;
      await note(post, publishId);
    }
    // Any other error while asking leaves the note: the post may still be coming, and `find` follows it.
    const ref = await confirm(account, post, publishId, username);
    await note(post, null);
    return ref;
  },

  async find(account, post): Promise<PostRef | null> {
    const noted = post.pending;
    if (noted) {
      const status = await statusOf(account, noted).catch((err: unknown) => {
        // A publish id TikTok no longer knows (it keeps them for a while only): look in the videos instead.
        if (err instanceof PlatformError && err.kind === "rejected") return null;
        throw err;
      });
      const outcome = status && settled(status, noted, account.handle);
      if (status && outcome === null) throw new PlatformError("unknown", "TikTok is still processing an earlier attempt of this post; it will be looked up again");
      await note(post, null);
      // A failed attempt left no post: the next one may go ahead.
      if (outcome && !(outcome instanceof PlatformError)) return outcome;
      if (outcome) return null;
    }
    const { videos = [] } = await tiktokCall<{ videos?: { id: string; title?: string; video_description?: string; create_time?: number; share_url?: string }[] }>(
      account,
      "the recent videos",
      "/v2/video/list/?fields=id,title,video_description,create_time,share_url",
      { max_count: 20 },
    );
    const norm = (s: string | undefined) => (s ?? "").replace(/\s+/g, " ").trim();
    const match = videos.find((v) => (norm(v.video_description) === norm(post.text) || norm(v.title) === norm(post.text)) && (v.create_time ?? 0) * 1000 >= post.createdAt.getTime() - 5 * 60_000);
    return match ? { externalId: match.id, url: match.share_url ?? videoUrl(account.handle, match.id) } : null;
  },

  /** Views, likes, comments and shares from /v2/video/query/; a post only its creator sees has no public id, and no figures. */
  async metrics(account, ref): Promise<PostMetrics> {
    const { videos = [] } = await tiktokCall<{ videos?: { id: string; view_count?: number; like_count?: number; comment_count?: number; share_count?: number }[] }>(
      account,
      "the post's figures",
      "/v2/video/query/?fields=id,view_count,like_count,comment_count,share_count",
      { filters: { video_ids: [ref.externalId] } },
    );
    const video = videos[0];
    if (!video) throw new PlatformError("rejected", "TikTok shows no figures for this post (it is private, or was deleted)", { status: 404 });
    return { impressions: video.view_count ?? null, likes: video.like_count ?? null, comments: video.comment_count ?? null, shares: video.share_count ?? null, clicks: null };
  },
};

