/**
 * A fake of TikTok's Login Kit and Content Posting API for tests, benches and the demo, following
 * the documented requests and answers:
 * - www.tiktok.com/v2/auth/authorize/ hands out a code for the app's `client_key` and redirect URI,
 *   keeping the PKCE challenge; open.tiktokapis.com/v2/oauth/token/ checks client_key, client_secret,
 *   the code, the redirect URI and the verifier (S256), gives an access token (2 hours, `expires_in`)
 *   and a refresh token (180 days, `refresh_expires_in`) that rotates on refresh. OAuth errors are
 *   `{error, error_description, log_id}`.
 * - /v2/user/info/, /v2/post/publish/creator_info/query/, /v2/post/publish/video/init/ (FILE_UPLOAD
 *   with TikTok's chunk rules: one chunk up to 64 MB, else chunks of 5–64 MB counted by
 *   floor(size / chunk), the last taking the rest), PUT to the upload URL with Content-Range (206, then
 *   201), /v2/post/publish/content/init/ for photos by URL, /v2/post/publish/status/fetch/ (the post is
 *   PROCESSING_UPLOAD while TikTok processes and moderates it, then PUBLISH_COMPLETE with its id, an
 *   int64 written as a bare JSON number as TikTok does), /v2/video/list/ and /v2/video/query/.
 * - Every API answer is `{data, error: {code, message, log_id}}`; `access_token_invalid` (401),
 *   `rate_limit_exceeded` (429: 6 inits a minute per token), `privacy_level_option_mismatch`,
 *   `spam_risk_too_many_posts` (15 posts a day), `invalid_params`, `internal_error` (500).
 *
 * Faults, by POST /_fake/faults on open.tiktokapis.com: `status5xx` (the next N inits fail with 500),
 * `rateLimited` (the next N inits get 429), `acceptThenDrop` (the next N final chunks are taken, then
 * the answer never comes), `slowMs`, `processingPolls` (status reads before PUBLISH_COMPLETE, 1 by
 * default), `failNext` (the next N posts end FAILED), `privacyOptions` (what creator_info offers: an
 * unaudited app gets only SELF_ONLY), `minChunkBytes` (5 MB; tests lower it to chunk small files).
 * /_fake/reset, GET /_fake/state, POST /_fake/engage {id, view_count, like_count, ...}.
 */

type Faults = { status5xx: number; rateLimited: number; acceptThenDrop: number; slowMs: number; processingPolls: number; failNext: number; privacyOptions: string[]; minChunkBytes: number };
type Publish = {
  id: string;
  kind: "video" | "photo";
  caption: string;
  privacy: string;
  size: number;
  chunkSize: number;
  chunks: number;
  received: number;
  pollsLeft: number;
  failing: boolean;
  postId: string | null;
  createdAt: number;
  photos: string[];
};
type Counts = { view_count: number; like_count: number; comment_count: number; share_count: number };

export const TIKTOK_APP = { key: "fakeclientkey0001", secret: "fake-tiktok-client-secret" };
export const TIKTOK_CREATOR = { open_id: "-000fakeOpenIdAlice", union_id: "fake-union-alice", username: "alice.bakes", display_name: "Alice Bakes" };
const MB = 1024 * 1024;
const UPLOAD_HOST = "https://open-upload.tiktokapis.com";

const logId = () => `2026112310000${Math.floor(Math.random() * 1e9)}`;
/** TikTok's envelope; ids listed in `bigIds` are written as bare int64 numbers, as TikTok writes them. */
function envelope(data: unknown, status = 200, code = "ok", message = "", headers: Record<string, string> = {}): Response {
  const body = JSON.stringify({ data: data ?? {}, error: { code, message, log_id: logId() } }).replace(/"__int64__(\d+)"/g, "$1");
  return new Response(body, { status, headers: { "content-type": "application/json", ...headers } });
}
const apiError = (status: number, code: string, message: string, headers: Record<string, string> = {}) => envelope({}, status, code, message, headers);
const oauthError = (error: string, description: string) => Response.json({ error, error_description: description, log_id: logId() }, { status: 400 });

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export class FakeTikTok {
  tokens = new Map<string, { expiresAt: number; scopes: string[] }>();
  refreshTokens = new Set<string>();
  codes = new Map<string, { redirectUri: string; challenge: string | null; scopes: string[] }>();
  publishes = new Map<string, Publish>();
  counts = new Map<string, Counts>();
  faults: Faults = this.defaults();
  initTimes: number[] = [];
  private next = 1;

  constructor() {
    this.reset();
  }

  private defaults(): Faults {
    return { status5xx: 0, rateLimited: 0, acceptThenDrop: 0, slowMs: 0, processingPolls: 1, failNext: 0, privacyOptions: ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"], minChunkBytes: 5 * MB };
  }

  reset() {
    this.tokens.clear();
    this.refreshTokens.clear();
    this.codes.clear();
    this.publishes.clear();
    this.counts.clear();
    this.initTimes = [];
    this.faults = this.defaults();
    this.tokens.set("act.fake-alice", { expiresAt: Date.now() + 2 * 3600_000, scopes: ["user.info.basic", "video.publish", "video.upload", "video.list"] });
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (this.faults.slowMs) await new Promise((resolve) => setTimeout(resolve, this.faults.slowMs));
    if (url.pathname.startsWith("/_fake/")) return this.control(request, url);
    if (url.host === "www.tiktok.com" && url.pathname === "/v2/auth/authorize/") return this.authorize(url);
    if (url.host === "open-upload.tiktokapis.com") return this.receive(request, url);
    if (url.pathname === "/v2/oauth/token/") return this.token(request);
    const token = request.headers.get("authorization")?.match(/^Bearer (.+)$/)?.[1];
    const info = token ? this.tokens.get(token) : undefined;
    if (!info || info.expiresAt <= Date.now()) return apiError(401, "access_token_invalid", "The access token is invalid or not found in the request.");
    const scope = (needed: string) => (info.scopes.includes(needed) ? null : apiError(401, "scope_not_authorized", `The user did not authorize the scope required for completing this request (${needed}).`));
    const body = request.method === "POST" ? ((await request.json().catch(() => ({}))) as Record<string, unknown>) : {};
    switch (url.pathname) {
      case "/v2/user/info/":
        return scope("user.info.basic") ?? envelope({ user: Object.fromEntries(Object.entries(TIKTOK_CREATOR).filter(([k]) => (url.searchParams.get("fields") ?? "").split(",").includes(k))) });
      case "/v2/post/publish/creator_info/query/":
        return (
          scope("video.publish") ??
          envelope({
            creator_avatar_url: "https://p16.tiktokcdn.test/alice.jpeg",
            creator_username: TIKTOK_CREATOR.username,
            creator_nickname: TIKTOK_CREATOR.display_name,
            privacy_level_options: this.faults.privacyOptions,
            comment_disabled: false,
            duet_disabled: true,
            stitch_disabled: false,
            max_video_post_duration_sec: 600,
          })
        );
      case "/v2/post/publish/video/init/":
        return scope("video.publish") ?? this.init(body, "video");
      case "/v2/post/publish/content/init/":
        return scope("video.publish") ?? this.init(body, "photo");
      case "/v2/post/publish/status/fetch/":
        return scope("video.publish") ?? this.status(String(body.publish_id ?? ""));
      case "/v2/video/list/":
        return scope("video.list") ?? this.list(Number(body.max_count ?? 10));
      case "/v2/video/query/":
        return scope("video.list") ?? this.query(((body.filters as { video_ids?: string[] } | undefined)?.video_ids ?? []).map(String));
      default:
        return apiError(404, "invalid_params", `Unknown path ${url.pathname}`);
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
        return Response.json({ publishes: [...this.publishes.values()], posts: [...this.publishes.values()].filter((p) => !p.failing && (p.kind === "photo" || p.received === p.size)) });
      case "/_fake/engage": {
        const { id, ...counts } = body as { id: string } & Partial<Counts>;
        const current = this.counts.get(id);
        if (!current) return apiError(404, "invalid_params", "no such video");
        Object.assign(current, counts);
        return Response.json(current);
      }
      default:
        return apiError(404, "invalid_params", "Unknown fake control");
    }
  }

  private authorize(url: URL): Response {
    const q = url.searchParams;
    const redirectUri = q.get("redirect_uri");
    if (q.get("client_key") !== TIKTOK_APP.key || !redirectUri) return new Response("client_key: invalid", { status: 400 });
    if (q.get("code_challenge") && q.get("code_challenge_method") !== "S256") return new Response("code_challenge_method: invalid", { status: 400 });
    const code = `fake-code-${crypto.randomUUID()}`;
    const scopes = (q.get("scope") ?? "").split(",").filter(Boolean);
    this.codes.set(code, { redirectUri, challenge: q.get("code_challenge"), scopes });
    const back = new URL(redirectUri);
    back.searchParams.set("code", code);
    back.searchParams.set("scopes", scopes.join(","));
    if (q.get("state")) back.searchParams.set("state", q.get("state")!);
    return Response.redirect(back.toString(), 302);
  }

  private async token(request: Request): Promise<Response> {
    const form = Object.fromEntries(new URLSearchParams(await request.text()));
    if (form.client_key !== TIKTOK_APP.key || form.client_secret !== TIKTOK_APP.secret) return oauthError("invalid_client", "Client key or secret is incorrect.");
    const issue = (scopes: string[]) => {
      const access = `act.fake-${crypto.randomUUID()}`;
      const refresh = `rft.fake-${crypto.randomUUID()}`;
      this.tokens.set(access, { expiresAt: Date.now() + 2 * 3600_000, scopes });
      this.refreshTokens.add(refresh);
      return Response.json({ access_token: access, expires_in: 7200, open_id: TIKTOK_CREATOR.open_id, refresh_expires_in: 15_552_000, refresh_token: refresh, scope: scopes.join(","), token_type: "Bearer" });
    };
    if (form.grant_type === "refresh_token") {
      // Refresh tokens rotate: the one sent stops working.
      if (!this.refreshTokens.delete(form.refresh_token ?? "")) return oauthError("invalid_grant", "Refresh token is invalid or expired.");
      return issue(["user.info.basic", "video.publish", "video.upload", "video.list"]);
    }
    if (form.grant_type !== "authorization_code") return oauthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
    const code = this.codes.get(form.code ?? "");
    if (!code) return oauthError("invalid_grant", "Authorization code is expired.");
    if (code.redirectUri !== form.redirect_uri) return oauthError("invalid_request", "Redirect URI does not match.");
    if (code.challenge && (!form.code_verifier || (await s256(form.code_verifier)) !== code.challenge)) return oauthError("invalid_grant", "Code verifier is invalid.");
    this.codes.delete(form.code!);
    return issue(code.scopes);
  }

  private init(body: Record<string, unknown>, kind: "video" | "photo"): Response {
    if (this.faults.status5xx > 0) {
      this.faults.status5xx--;
      return apiError(500, "internal_error", "Something went wrong. Please try again later.");
    }
    const now = Date.now();
    this.initTimes = this.initTimes.filter((t) => t > now - 60_000);
    if (this.faults.rateLimited > 0 || this.initTimes.length >= 6) {
      if (this.faults.rateLimited > 0) this.faults.rateLimited--;
      return apiError(429, "rate_limit_exceeded", "The API rate limit was exceeded. Please try again later.", { "retry-after": "60" });
    }
    this.initTimes.push(now);
    const postInfo = (body.post_info ?? {}) as { title?: string; description?: string; privacy_level?: string };
    const source = (body.source_info ?? {}) as { source?: string; video_size?: number; chunk_size?: number; total_chunk_count?: number; photo_images?: string[] };
    if (!this.faults.privacyOptions.includes(postInfo.privacy_level ?? "")) {
      const unaudited = this.faults.privacyOptions.length === 1 && this.faults.privacyOptions[0] === "SELF_ONLY";
      return unaudited
        ? apiError(403, "unaudited_client_can_only_post_to_private_accounts", "Please review our integration guidelines at https://developers.tiktok.com/doc/content-sharing-guidelines/")
        : apiError(400, "privacy_level_option_mismatch", "privacy_level is not among the options returned by creator_info");
    }
    const caption = (kind === "video" ? postInfo.title : postInfo.description) ?? "";
    if (caption.length > (kind === "video" ? 2200 : 4000)) return apiError(400, "invalid_params", "The caption is too long");
    const day = [...this.publishes.values()].filter((p) => p.createdAt > now - 86_400_000).length;
    if (day >= 15) return apiError(403, "spam_risk_too_many_posts", "The daily post cap from the API is reached for the current user.");
    const id = `${kind === "video" ? "v_pub_file" : "p_pub_url"}~v2-1.${String(this.next++).padStart(18, "0")}`;
    const publish: Publish = { id, kind, caption, privacy: postInfo.privacy_level!, size: 0, chunkSize: 0, chunks: 0, received: 0, pollsLeft: this.faults.processingPolls, failing: false, postId: null, createdAt: now, photos: [] };
    if (this.faults.failNext > 0) {
      this.faults.failNext--;
      publish.failing = true;
    }
    if (kind === "photo") {
      if (source.source !== "PULL_FROM_URL" || !source.photo_images?.length || source.photo_images.some((u) => !u?.startsWith("https://"))) return apiError(400, "invalid_params", "photo_images must be public https URLs");
      publish.photos = source.photo_images;
      this.publishes.set(id, publish);
      return envelope({ publish_id: id });
    }
    if (source.source !== "FILE_UPLOAD") return apiError(400, "invalid_params", "source must be FILE_UPLOAD or PULL_FROM_URL");
    const size = source.video_size ?? 0;
    const chunk = source.chunk_size ?? 0;
    const count = source.total_chunk_count ?? 0;
    const whole = chunk === size && count === 1 && size <= 64 * MB;
    const chunked = chunk >= this.faults.minChunkBytes && chunk <= 64 * MB && count === Math.floor(size / chunk) && size - (count - 1) * chunk <= 128 * MB;
    if (size <= 0 || !(whole || (size >= this.faults.minChunkBytes && chunked))) return apiError(400, "invalid_params", "The chunk_size or total_chunk_count is invalid for this video_size");
    Object.assign(publish, { size, chunkSize: chunk, chunks: count });
    this.publishes.set(id, publish);
    return envelope({ publish_id: id, upload_url: `${UPLOAD_HOST}/video/?upload_id=${encodeURIComponent(id)}&upload_token=${crypto.randomUUID()}` });
  }

  private async receive(request: Request, url: URL): Promise<Response> {
    const publish = this.publishes.get(url.searchParams.get("upload_id") ?? "");
    if (!publish || request.method !== "PUT") return apiError(404, "invalid_params", "The upload URL is invalid or expired");
    const range = request.headers.get("content-range")?.match(/^bytes (\d+)-(\d+)\/(\d+)$/);
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (!range) return apiError(400, "invalid_params", "Content-Range is required");
    const [first, last, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    const index = Math.floor(first / publish.chunkSize);
    const expectedLast = index === publish.chunks - 1 ? publish.size - 1 : first + publish.chunkSize - 1;
    if (total !== publish.size || first !== publish.received || last !== expectedLast || bytes.byteLength !== last - first + 1) {
      return apiError(400, "invalid_params", `Content-Range bytes ${first}-${last}/${total} does not match the next chunk`);
    }
    publish.received += bytes.byteLength;
    if (publish.received < publish.size) return new Response(null, { status: 206 });
    if (this.faults.acceptThenDrop > 0) {
      this.faults.acceptThenDrop--;
      return new Promise<Response>(() => undefined);
    }
    return new Response(null, { status: 201 });
  }

  private status(publishId: string): Response {
    const publish = this.publishes.get(publishId);
    if (!publish) return apiError(400, "invalid_publish_id", "The publish_id does not exist");
    if (publish.kind === "video" && publish.received < publish.size) return envelope({ status: "PROCESSING_UPLOAD", uploaded_bytes: publish.received });
    if (publish.pollsLeft > 0) {
      publish.pollsLeft--;
      return envelope({ status: publish.kind === "video" ? "PROCESSING_UPLOAD" : "PROCESSING_DOWNLOAD", uploaded_bytes: publish.received });
    }
    if (publish.failing) return envelope({ status: "FAILED", fail_reason: "file_format_check_failed" });
    // Public posts get their post id once moderated; a post only its creator sees gets none.
    if (!publish.postId && publish.privacy !== "SELF_ONLY") {
      publish.postId = `73${String(this.next++).padStart(17, "0")}`;
      this.counts.set(publish.postId, { view_count: 0, like_count: 0, comment_count: 0, share_count: 0 });
    }
    return envelope({ status: "PUBLISH_COMPLETE", publicaly_available_post_id: publish.postId ? [`__int64__${publish.postId}`] : [], uploaded_bytes: publish.received });
  }

  private list(max: number): Response {
    const videos = [...this.publishes.values()]
      .filter((p) => p.postId)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, Math.min(max, 20))
      .map((p) => ({ id: p.postId, title: p.kind === "video" ? p.caption : "", video_description: p.caption, create_time: Math.floor(p.createdAt / 1000), share_url: `https://www.tiktok.com/@${TIKTOK_CREATOR.username}/video/${p.postId}` }));
    return envelope({ videos, cursor: Date.now(), has_more: false });
  }

  private query(ids: string[]): Response {
    const videos = ids.flatMap((id) => {
      const counts = this.counts.get(id);
      return counts ? [{ id, ...counts }] : [];
    });
    return envelope({ videos, cursor: 0, has_more: false });
  }
}

/** The one fake TikTok of the test run, on open.tiktokapis.com, open-upload.tiktokapis.com and www.tiktok.com. */
export const fakeTikTok = new FakeTikTok();
