/**
 * YouTube through the YouTube Data API v3 (www.googleapis.com), with the channel's Google OAuth token.
 *
 * A post is one video, uploaded with the resumable protocol: POST .../upload/youtube/v3/videos?
 * uploadType=resumable with the metadata (title, description) opens an upload session and answers
 * with its URI; PUT sends the bytes. When the PUT fails midway (a 5xx, a dropped connection, a
 * timeout) the session is asked how much arrived (`Content-Range: bytes * /size`, 308 with `Range`)
 * and the rest is sent from there; when the answer says the upload completed, that answer is the
 * video. Then the video's processing status is read: `rejected` and `failed` refuse the post with
 * YouTube's reason; `processed`, or still processing after the wait, is published (YouTube gave the id).
 *
 * Quota: 10,000 units a day per project, an upload costs 1,600 (connectors/limits.ts); a
 * `quotaExceeded` answer waits until the quota resets, at midnight Pacific Time.
 *
 * YouTube takes no idempotency key. `find` reads the channel's uploads playlist for a video with this
 * title and description, published after the publication was created.
 */
import { validateVariant } from "../../../../lib/domain/platforms";
import { callPlatform, PlatformError, retryAtFrom, type AccountSession, type Connector, type OutgoingPost, type PostMetrics, type PostRef } from "../types";

export const GOOGLE_APIS = "https://www.googleapis.com";
const DATA = "/youtube/v3";

/**
 * How long to wait for processing after the upload (well inside the two-minute claim of publish.ts;
 * a long video keeps processing after that, published all the same), how often to look, and how
 * many times a broken upload is resumed; tests shorten it.
 */
export const youtubeTiming = { processingWaitMs: 30_000, processingPollMs: 5_000, resumeAttempts: 4, resumeDelayMs: 1_000 };

type GoogleError = { error?: { code?: number; message?: string; status?: string; errors?: { reason?: string; domain?: string; message?: string }[] } | string; error_description?: string };
type Video = { id: string; snippet?: { title?: string; description?: string }; status?: { uploadStatus?: string; failureReason?: string; rejectionReason?: string }; statistics?: Record<string, string> };

/** The next midnight in America/Los_Angeles, when YouTube's daily quota resets. */
export function nextPacificMidnight(now = Date.now()): number {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: "America/Los_Angeles", hourCycle: "h23", hour: "numeric", minute: "numeric", second: "numeric" }).formatToParts(new Date(now)).map((p) => [p.type, p.value]));
  const sinceMidnight = ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000;
  // Across a daylight-saving change the day is 23 or 25 hours; an hour early or late here is harmless (it only waits).
  return now - (now % 1000) - sinceMidnight + 24 * 3600_000;
}

/** A Google answer that is not 2xx, as a PlatformError with YouTube's own words. */
export async function googleFailure(response: Response, what: string): Promise<PlatformError> {
  const body = (await response.json().catch(() => ({}))) as GoogleError;
  const error = typeof body.error === "object" ? body.error : undefined;
  const reason = error?.errors?.[0]?.reason ?? (typeof body.error === "string" ? body.error : undefined);
  const words = (error?.message ?? body.error_description ?? `HTTP ${response.status}`).replace(/<[^>]+>/g, "");
  const said = reason ? `${words} (${reason})` : words;
  const status = response.status;
  if (reason === "quotaExceeded" || reason === "dailyLimitExceeded") {
    return new PlatformError("rate_limited", `YouTube's daily API quota is used up: ${said}`, { status: 429, retryAt: nextPacificMidnight() });
  }
  if (reason === "uploadLimitExceeded") return new PlatformError("rate_limited", `This channel has uploaded as many videos as YouTube allows for now: ${said}`, { status: 429, retryAt: Date.now() + 24 * 3600_000 });
  if (status === 429 || reason === "rateLimitExceeded" || reason === "userRateLimitExceeded") {
    return new PlatformError("rate_limited", `YouTube's rate limit was reached: ${said}`, { status: 429, retryAt: retryAtFrom(response.headers) ?? Date.now() + 60_000 });
  }
  if (status === 401 || reason === "insufficientPermissions" || reason === "forbidden" || reason === "youtubeSignupRequired") {
    return new PlatformError("auth", `YouTube no longer accepts this channel's access (reconnect it): ${said}`, { status });
  }
  if (status >= 500) return new PlatformError("unavailable", `YouTube failed while ${what}: ${said}`, { status });
  return new PlatformError("rejected", `YouTube refused ${what}: ${said}`, { status });
}

const bearer = (account: AccountSession) => ({ authorization: `Bearer ${account.credentials.accessToken ?? ""}` });
const origin = (account: AccountSession) => (account.serviceUrl || GOOGLE_APIS).replace(/\/$/, "");

async function dataGet<T>(account: AccountSession, what: string, path: string, query: Record<string, string>): Promise<T> {
  const url = `${origin(account)}${DATA}/${path}?${new URLSearchParams(query)}`;
  const response = await callPlatform("YouTube", new Request(url, { headers: bearer(account) }), { sends: false, timeoutMs: account.timeoutMs });
  if (!response.ok) throw await googleFailure(response, what);
  return (await response.json()) as T;
}

export const watchUrl = (id: string) => `https://www.youtube.com/watch?v=${id}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens the upload session: the metadata goes now, the bytes next. Nothing is published by it, so a lost answer is safe. */
async function openSession(account: AccountSession, post: OutgoingPost, mime: string, size: number): Promise<string> {
  const url = `${origin(account)}/upload${DATA}/videos?${new URLSearchParams({ uploadType: "resumable", part: "snippet,status" })}`;
  const metadata = {
    snippet: { title: post.title?.trim() ?? "", description: post.text },
    // Public at once, as the post was scheduled to go out; not made for kids unless the creator says so on YouTube.
    status: { privacyStatus: "public", selfDeclaredMadeForKids: false },
  };
  const response = await callPlatform(
    "YouTube",
    new Request(url, {
      method: "POST",
      headers: { ...bearer(account), "content-type": "application/json; charset=UTF-8", "x-upload-content-length": String(size), "x-upload-content-type": mime },
      body: JSON.stringify(metadata),
    }),
    { sends: false, timeoutMs: account.timeoutMs },
  );
  if (!response.ok) throw await googleFailure(response, "the upload");
  const session = response.headers.get("location");
  if (!session) throw new PlatformError("unavailable", "YouTube opened no upload session (no Location header)");
  return session;
}

/** How far the session got: the video when the upload completed, else the next byte YouTube wants. */
async function sessionStatus(account: AccountSession, session: string, size: number): Promise<Video | number> {
  const response = await callPlatform("YouTube", new Request(session, { method: "PUT", headers: { ...bearer(account), "content-range": `bytes */${size}` } }), { sends: false, timeoutMs: account.timeoutMs });
  if (response.status === 200 || response.status === 201) return (await response.json()) as Video;
  if (response.status === 308) {
    const range = response.headers.get("range")?.match(/bytes=0-(\d+)/);
    return range ? Number(range[1]) + 1 : 0;
  }
  throw await googleFailure(response, "the upload");
}

/**
 * Sends the bytes from `from` on; after a failure that may be resumed (5xx, no answer), asks the
 * session how much arrived and goes on from there, a few times. A 4xx ends it.
 */
async function upload(account: AccountSession, session: string, bytes: Uint8Array, mime: string): Promise<Video> {
  const size = bytes.byteLength;
  let from = 0;
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = { ...bearer(account), "content-type": mime, ...(from > 0 ? { "content-range": `bytes ${from}-${size - 1}/${size}` } : {}) };
    let failure: PlatformError;
    try {
      const response = await callPlatform("YouTube", new Request(session, { method: "PUT", headers, body: bytes.slice(from) }), { timeoutMs: account.timeoutMs });
      if (response.ok) return (await response.json()) as Video;
      failure = await googleFailure(response, "the upload");
      if (failure.kind !== "unavailable") throw failure;
    } catch (err) {
      if (!(err instanceof PlatformError) || (err.kind !== "unavailable" && err.kind !== "unknown")) throw err;
      failure = err;
    }
    if (attempt + 1 >= youtubeTiming.resumeAttempts) throw failure;
    await sleep(youtubeTiming.resumeDelayMs * 2 ** attempt);
    // The answer was lost or the upload broke off: the session knows whether the video exists.
    const status = await sessionStatus(account, session, size).catch((err: unknown) => {
      // Could not ask: the upload may have completed, so whether the video exists is unknown.
      throw err instanceof PlatformError ? new PlatformError("unknown", `${failure.message}; and asking the upload session failed: ${err.message}`) : err;
    });
    if (typeof status !== "number") return status;
    from = status;
  }
}

/** Waits for YouTube to process the video, a while: a refusal is reported, a video still processing is published. */
async function confirm(account: AccountSession, id: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    const { items } = await dataGet<{ items: Video[] }>(account, "the video's status", "videos", { part: "status", id });
    const status = items[0]?.status;
    if (status?.uploadStatus === "rejected") throw new PlatformError("rejected", `YouTube rejected the video: ${status.rejectionReason ?? "no reason given"}`);
    if (status?.uploadStatus === "failed") throw new PlatformError("rejected", `YouTube could not process the video: ${status.failureReason ?? "no reason given"}`);
    if (status?.uploadStatus === "deleted") throw new PlatformError("rejected", "The video was deleted on YouTube before it was processed");
    if (status?.uploadStatus === "processed" || Date.now() - started + youtubeTiming.processingPollMs > youtubeTiming.processingWaitMs) return;
    await sleep(youtubeTiming.processingPollMs);
  }
}

export const youtube: Connector = {
  validate(post) {
    return validateVariant("youtube", { text: post.text, title: post.title ?? null, media: post.media.map((m) => ({ mime: m.mime, size: m.bytes.byteLength })) });
  },

  async publish(account, post) {
    const video = post.media[0];
    if (!video) throw new PlatformError("rejected", "YouTube needs a video");
    const session = await openSession(account, post, video.mime, video.bytes.byteLength);
    const uploaded = await upload(account, session, video.bytes, video.mime);
    await confirm(account, uploaded.id);
    return { externalId: uploaded.id, url: watchUrl(uploaded.id) };
  },

  async find(account, post): Promise<PostRef | null> {
    const { items: channels } = await dataGet<{ items: { contentDetails?: { relatedPlaylists?: { uploads?: string } } }[] }>(account, "the channel", "channels", { part: "contentDetails", id: account.externalId });
    const uploads = channels[0]?.contentDetails?.relatedPlaylists?.uploads;
    if (!uploads) return null;
    const { items } = await dataGet<{ items: { snippet: { title?: string; description?: string; publishedAt?: string; resourceId?: { videoId?: string } } }[] }>(account, "the recent uploads", "playlistItems", {
      part: "snippet",
      playlistId: uploads,
      maxResults: "25",
    });
    const norm = (s: string | undefined) => (s ?? "").replace(/\s+/g, " ").trim();
    const match = items.find(
      ({ snippet }) => norm(snippet.title) === norm(post.title ?? "") && norm(snippet.description) === norm(post.text) && Date.parse(snippet.publishedAt ?? "") >= post.createdAt.getTime() - 5 * 60_000,
    );
    const id = match?.snippet.resourceId?.videoId;
    return id ? { externalId: id, url: watchUrl(id) } : null;
  },

  /** Views, likes and comments from videos.list statistics; the Data API gives no shares or clicks. */
  async metrics(account, ref): Promise<PostMetrics> {
    const { items } = await dataGet<{ items: Video[] }>(account, "the video's figures", "videos", { part: "statistics", id: ref.externalId });
    const stats = items[0]?.statistics;
    if (!stats) throw new PlatformError("rejected", "YouTube no longer has this video (it may have been deleted)", { status: 404 });
    const n = (key: string) => (stats[key] === undefined ? null : Number(stats[key]));
    return { impressions: n("viewCount"), likes: n("likeCount"), comments: n("commentCount"), shares: null, clicks: null };
  },
};
