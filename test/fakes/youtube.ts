/**
 * A fake of Google's OAuth 2.0 and the YouTube Data API v3 for tests, benches and the demo, following
 * the documented requests and answers:
 * - accounts.google.com/o/oauth2/v2/auth hands out a code for a registered client and redirect URI,
 *   remembering the PKCE challenge; oauth2.googleapis.com/token checks the client (HTTP Basic or in
 *   the body), the code, the redirect URI and the PKCE verifier (S256), gives an access token (1 hour)
 *   and a refresh token (with `access_type=offline`), and refreshes.
 * - Resumable uploads: POST /upload/youtube/v3/videos?uploadType=resumable with the metadata answers
 *   with the session URI in Location; PUT sends bytes (all, or from an offset with Content-Range);
 *   PUT with `Content-Range: bytes * /size` and no body asks how far it got (308 with Range, or the
 *   video when complete). The video is `uploaded`, then `processed` after a few status reads.
 * - videos.list (status, snippet, statistics), channels.list (mine or id), playlistItems.list of the
 *   uploads playlist; quota 10,000 units a day, videos.insert 1,600, a read 1; errors in Google's
 *   envelope `{error: {code, message, errors: [{domain, reason, message}], status}}`.
 *
 * Faults, by POST /_fake/faults on www.googleapis.com: `status5xx` (the next N session openings fail
 * with 503), `rateLimited` (the next N get 403 quotaExceeded), `acceptThenDrop` (the next N uploads
 * complete, then the answer never comes), `interruptUpload` (the next N uploads keep only the first
 * half of the bytes and fail with 503), `slowMs`, `processingPolls` (status reads before `processed`,
 * 1 by default), `rejectNext` (the next N videos end `rejected`, as duplicates). /_fake/reset,
 * GET /_fake/state, POST /_fake/engage {id, viewCount, likeCount, commentCount}.
 */

type Faults = { status5xx: number; rateLimited: number; acceptThenDrop: number; interruptUpload: number; slowMs: number; processingPolls: number; rejectNext: number };
type Session = { id: string; metadata: { snippet: { title: string; description: string } }; size: number; mime: string; received: Uint8Array[]; receivedBytes: number; videoId: string | null };
type Video = { id: string; title: string; description: string; publishedAt: number; size: number; pollsLeft: number; rejected: boolean; stats: { viewCount: number; likeCount: number; commentCount: number } };

export const GOOGLE_CLIENT = { id: "fake-google-client.apps.googleusercontent.com", secret: "fake-google-secret" };
export const YOUTUBE_CHANNEL = { id: "UCfakeAlice000000000000a", title: "Alice Bakes", customUrl: "@alicebakes" };
const UPLOADS = `UU${YOUTUBE_CHANNEL.id.slice(2)}`;
const QUOTA_PER_DAY = 10_000;
const UPLOAD_COST = 1_600;

function googleError(status: number, reason: string, message: string, domain = "youtube.api", headers: Record<string, string> = {}): Response {
  const statusName: Record<number, string> = { 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE" };
  return Response.json({ error: { code: status, message, errors: [{ message, domain, reason }], status: statusName[status] ?? "UNKNOWN" } }, { status, headers });
}
const oauthError = (status: number, error: string, description: string) => Response.json({ error, error_description: description }, { status });

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export class FakeYouTube {
  tokens = new Map<string, { expiresAt: number }>();
  refreshTokens = new Set<string>();
  codes = new Map<string, { redirectUri: string; challenge: string | null; offline: boolean }>();
  sessions = new Map<string, Session>();
  videos = new Map<string, Video>();
  faults: Faults = { status5xx: 0, rateLimited: 0, acceptThenDrop: 0, interruptUpload: 0, slowMs: 0, processingPolls: 1, rejectNext: 0 };
  quotaUsed = 0;
  private next = 1;

  constructor() {
    this.reset();
  }

  reset() {
    this.tokens.clear();
    this.refreshTokens.clear();
    this.codes.clear();
    this.sessions.clear();
    this.videos.clear();
    this.faults = { status5xx: 0, rateLimited: 0, acceptThenDrop: 0, interruptUpload: 0, slowMs: 0, processingPolls: 1, rejectNext: 0 };
    this.quotaUsed = 0;
    this.tokens.set("yt-token-alice", { expiresAt: Date.now() + 3600_000 });
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (this.faults.slowMs) await new Promise((resolve) => setTimeout(resolve, this.faults.slowMs));
    if (url.pathname.startsWith("/_fake/")) return this.control(request, url);
    if (url.host === "accounts.google.com" && url.pathname === "/o/oauth2/v2/auth") return this.authorize(url);
    if (url.host === "oauth2.googleapis.com" && url.pathname === "/token") return this.token(request);
    const token = request.headers.get("authorization")?.match(/^Bearer (.+)$/)?.[1];
    const info = token ? this.tokens.get(token) : undefined;
    if (!info || info.expiresAt <= Date.now()) {
      return googleError(401, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.", "global");
    }
    if (url.pathname === "/upload/youtube/v3/videos" && request.method === "POST") return this.openSession(request, url);
    if (url.pathname === "/upload/youtube/v3/videos" && request.method === "PUT") return this.receive(request, url);
    if (request.method !== "GET") return googleError(404, "notFound", "Not Found");
    switch (url.pathname) {
      case "/youtube/v3/channels":
        return this.channels(url);
      case "/youtube/v3/videos":
        return this.listVideos(url);
      case "/youtube/v3/playlistItems":
        return this.playlistItems(url);
      default:
        return googleError(404, "notFound", "Not Found");
    }
  }

  private async control(request: Request, url: URL): Promise<Response> {
    const body = request.method === "POST" ? ((await request.json().catch(() => ({}))) as Record<string, unknown>) : {};
    switch (url.pathname) {
      case "/_fake/faults":
        Object.assign(this.faults, body);
        return Response.json(this.faults);
      case "/_fake/reset":
        this.reset();
        return Response.json({ ok: true });
      case "/_fake/state":
        return Response.json({ videos: [...this.videos.values()], sessions: [...this.sessions.values()].map(({ received: _, ...s }) => s), quotaUsed: this.quotaUsed });
      case "/_fake/engage": {
        const { id, ...stats } = body as { id: string } & Partial<Video["stats"]>;
        const video = this.videos.get(id);
        if (!video) return googleError(404, "videoNotFound", "no such video");
        Object.assign(video.stats, stats);
        return Response.json(video.stats);
      }
      default:
        return googleError(404, "notFound", "Unknown fake control");
    }
  }

  private authorize(url: URL): Response {
    const q = url.searchParams;
    const redirectUri = q.get("redirect_uri");
    if (q.get("client_id") !== GOOGLE_CLIENT.id || !redirectUri) return new Response("Error 401: invalid_client", { status: 401 });
    if (q.get("code_challenge") && q.get("code_challenge_method") !== "S256") return new Response("Error 400: invalid_request (code_challenge_method)", { status: 400 });
    const code = `4/fake-${crypto.randomUUID()}`;
    this.codes.set(code, { redirectUri, challenge: q.get("code_challenge"), offline: q.get("access_type") === "offline" });
    const back = new URL(redirectUri);
    back.searchParams.set("code", code);
    if (q.get("state")) back.searchParams.set("state", q.get("state")!);
    back.searchParams.set("scope", q.get("scope") ?? "");
    return Response.redirect(back.toString(), 302);
  }

  private async token(request: Request): Promise<Response> {
    const form = Object.fromEntries(new URLSearchParams(await request.text()));
    const basic = request.headers.get("authorization")?.match(/^Basic (.+)$/)?.[1];
    const [id, secret] = basic ? atob(basic).split(":").map(decodeURIComponent) : [form.client_id, form.client_secret];
    if (id !== GOOGLE_CLIENT.id || secret !== GOOGLE_CLIENT.secret) return oauthError(401, "invalid_client", "The OAuth client was not found.");
    const issue = (withRefresh: boolean) => {
      const access = `ya29.fake-${crypto.randomUUID()}`;
      this.tokens.set(access, { expiresAt: Date.now() + 3599_000 });
      const refresh = withRefresh ? `1//fake-${crypto.randomUUID()}` : null;
      if (refresh) this.refreshTokens.add(refresh);
      return Response.json({
        access_token: access,
        expires_in: 3599,
        ...(refresh ? { refresh_token: refresh } : {}),
        scope: "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly",
        token_type: "Bearer",
      });
    };
    if (form.grant_type === "refresh_token") {
      if (!this.refreshTokens.has(form.refresh_token ?? "")) return oauthError(400, "invalid_grant", "Token has been expired or revoked.");
      return issue(false);
    }
    if (form.grant_type !== "authorization_code") return oauthError(400, "unsupported_grant_type", "Invalid grant_type");
    const code = this.codes.get(form.code ?? "");
    if (!code) return oauthError(400, "invalid_grant", "Malformed auth code.");
    if (code.redirectUri !== form.redirect_uri) return oauthError(400, "redirect_uri_mismatch", "Bad Request");
    if (code.challenge && (!form.code_verifier || (await s256(form.code_verifier)) !== code.challenge)) return oauthError(400, "invalid_grant", "Invalid code verifier.");
    this.codes.delete(form.code!);
    return issue(code.offline);
  }

  private spend(units: number): Response | null {
    if (this.faults.rateLimited > 0 || this.quotaUsed + units > QUOTA_PER_DAY) {
      if (this.faults.rateLimited > 0) this.faults.rateLimited--;
      return googleError(403, "quotaExceeded", 'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.', "youtube.quota");
    }
    this.quotaUsed += units;
    return null;
  }

  private async openSession(request: Request, url: URL): Promise<Response> {
    if (url.searchParams.get("uploadType") !== "resumable") return googleError(400, "badRequest", "Only resumable uploads are supported by this fake");
    if (this.faults.status5xx > 0) {
      this.faults.status5xx--;
      return googleError(503, "backendError", "Backend Error", "global");
    }
    const metadata = (await request.json().catch(() => null)) as Session["metadata"] | null;
    const title = metadata?.snippet?.title ?? "";
    const description = metadata?.snippet?.description ?? "";
    if (!title.trim()) return googleError(400, "invalidTitle", "The request metadata specifies an invalid or empty video title.", "youtube.video");
    if (title.length > 100 || /[<>]/.test(title)) return googleError(400, "invalidTitle", "The request metadata specifies an invalid video title.", "youtube.video");
    if (new TextEncoder().encode(description).length > 5000 || /[<>]/.test(description)) return googleError(400, "invalidDescription", "The request metadata specifies an invalid video description.", "youtube.video");
    const size = Number(request.headers.get("x-upload-content-length"));
    const mime = request.headers.get("x-upload-content-type") ?? "";
    if (!mime.startsWith("video/")) return googleError(400, "invalidVideoMetadata", "The request does not specify a video type (X-Upload-Content-Type).", "youtube.video");
    const limited = this.spend(UPLOAD_COST);
    if (limited) return limited;
    const session: Session = { id: `upload-${this.next++}-${crypto.randomUUID().slice(0, 8)}`, metadata: metadata!, size, mime, received: [], receivedBytes: 0, videoId: null };
    this.sessions.set(session.id, session);
    return new Response(null, { status: 200, headers: { location: `https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=${session.id}`, "x-guploader-uploadid": session.id } });
  }

  private videoResource(video: Video, parts: string[]): Record<string, unknown> {
    const status = video.rejected && video.pollsLeft === 0 ? { uploadStatus: "rejected", rejectionReason: "duplicate" } : { uploadStatus: video.pollsLeft > 0 ? "uploaded" : "processed" };
    return {
      kind: "youtube#video",
      id: video.id,
      ...(parts.includes("snippet") ? { snippet: { title: video.title, description: video.description, channelId: YOUTUBE_CHANNEL.id, publishedAt: new Date(video.publishedAt).toISOString() } } : {}),
      ...(parts.includes("status") ? { status: { ...status, privacyStatus: "public", license: "youtube", embeddable: true, publicStatsViewable: true } } : {}),
      ...(parts.includes("statistics") ? { statistics: { viewCount: String(video.stats.viewCount), likeCount: String(video.stats.likeCount), favoriteCount: "0", commentCount: String(video.stats.commentCount) } } : {}),
    };
  }

  private async receive(request: Request, url: URL): Promise<Response> {
    const session = this.sessions.get(url.searchParams.get("upload_id") ?? "");
    if (!session) return googleError(404, "notFound", "The upload session does not exist or has expired.", "global");
    const range = request.headers.get("content-range");
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (range?.startsWith("bytes */")) {
      // A status query: the video when complete, else how many bytes arrived.
      if (session.videoId) return Response.json(this.videoResource(this.videos.get(session.videoId)!, ["snippet", "status"]));
      return new Response(null, { status: 308, headers: session.receivedBytes > 0 ? { range: `bytes=0-${session.receivedBytes - 1}` } : {} });
    }
    if (session.videoId) return Response.json(this.videoResource(this.videos.get(session.videoId)!, ["snippet", "status"]));
    const start = range ? Number(range.match(/^bytes (\d+)-/)?.[1]) : 0;
    if (start !== session.receivedBytes) return googleError(400, "badContent", `Content-Range starts at ${start}, but ${session.receivedBytes} bytes were received`, "global");
    if (this.faults.interruptUpload > 0) {
      // The connection broke off halfway: what arrived is kept, and the client can resume.
      this.faults.interruptUpload--;
      const half = bytes.slice(0, Math.floor(bytes.byteLength / 2));
      session.received.push(half);
      session.receivedBytes += half.byteLength;
      return googleError(503, "backendError", "Backend Error", "global");
    }
    session.received.push(bytes);
    session.receivedBytes += bytes.byteLength;
    if (session.receivedBytes < session.size) return new Response(null, { status: 308, headers: { range: `bytes=0-${session.receivedBytes - 1}` } });
    const rejected = this.faults.rejectNext > 0;
    if (rejected) this.faults.rejectNext--;
    const video: Video = {
      id: `vid${String(this.next++).padStart(8, "0")}`,
      title: session.metadata.snippet.title,
      description: session.metadata.snippet.description,
      publishedAt: Date.now(),
      size: session.receivedBytes,
      pollsLeft: this.faults.processingPolls,
      rejected,
      stats: { viewCount: 0, likeCount: 0, commentCount: 0 },
    };
    this.videos.set(video.id, video);
    session.videoId = video.id;
    if (this.faults.acceptThenDrop > 0) {
      this.faults.acceptThenDrop--;
      return new Promise<Response>(() => undefined);
    }
    return Response.json(this.videoResource(video, ["snippet", "status"]), { status: 200 });
  }

  private channels(url: URL): Response {
    const limited = this.spend(1);
    if (limited) return limited;
    const mine = url.searchParams.get("mine") === "true";
    const match = mine || url.searchParams.get("id")?.split(",").includes(YOUTUBE_CHANNEL.id);
    const parts = (url.searchParams.get("part") ?? "").split(",");
    const item = {
      kind: "youtube#channel",
      id: YOUTUBE_CHANNEL.id,
      ...(parts.includes("snippet") ? { snippet: { title: YOUTUBE_CHANNEL.title, customUrl: YOUTUBE_CHANNEL.customUrl, description: "" } } : {}),
      ...(parts.includes("contentDetails") ? { contentDetails: { relatedPlaylists: { likes: "", uploads: UPLOADS } } } : {}),
    };
    return Response.json({ kind: "youtube#channelListResponse", pageInfo: { totalResults: match ? 1 : 0, resultsPerPage: 5 }, items: match ? [item] : [] });
  }

  private listVideos(url: URL): Response {
    const limited = this.spend(1);
    if (limited) return limited;
    const parts = (url.searchParams.get("part") ?? "").split(",");
    const items = (url.searchParams.get("id") ?? "").split(",").flatMap((id) => {
      const video = this.videos.get(id);
      if (!video) return [];
      const resource = this.videoResource(video, parts);
      // Processing moves on as the status is read.
      if (parts.includes("status") && video.pollsLeft > 0) video.pollsLeft--;
      return [resource];
    });
    return Response.json({ kind: "youtube#videoListResponse", pageInfo: { totalResults: items.length, resultsPerPage: items.length }, items });
  }

  private playlistItems(url: URL): Response {
    const limited = this.spend(1);
    if (limited) return limited;
    if (url.searchParams.get("playlistId") !== UPLOADS) return googleError(404, "playlistNotFound", "The playlist identified with the request's playlistId parameter cannot be found.", "youtube.playlistItem");
    const max = Math.min(Number(url.searchParams.get("maxResults") ?? 5), 50);
    const items = [...this.videos.values()]
      .sort((a, b) => b.publishedAt - a.publishedAt)
      .slice(0, max)
      .map((v) => ({
        kind: "youtube#playlistItem",
        id: `pli-${v.id}`,
        snippet: { publishedAt: new Date(v.publishedAt).toISOString(), channelId: YOUTUBE_CHANNEL.id, title: v.title, description: v.description, playlistId: UPLOADS, resourceId: { kind: "youtube#video", videoId: v.id } },
      }));
    return Response.json({ kind: "youtube#playlistItemListResponse", pageInfo: { totalResults: this.videos.size, resultsPerPage: max }, items });
  }
}

/** The one fake Google of the test run, on www.googleapis.com, oauth2.googleapis.com and accounts.google.com. */
export const fakeYouTube = new FakeYouTube();
