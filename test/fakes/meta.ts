/**
 * A fake of Meta's Graph API for tests, benches and the demo: Facebook Pages and Instagram
 * professional accounts (Instagram API with Facebook Login) on graph.facebook.com, Threads on
 * graph.threads.net, and the two login dialogs (www.facebook.com, threads.net) that hand out codes.
 * It follows the documented requests and answers:
 * - OAuth: codes exchanged at /oauth/access_token with the app's id, secret and the same redirect_uri
 *   (no PKCE at Meta); short-lived user tokens (1 h) exchanged for long-lived ones (60 days) with
 *   `fb_exchange_token` / `th_exchange_token`; Page tokens from /me/accounts.
 * - Pages: POST /{page}/feed (message, link), /{page}/photos (url or multipart `source`, caption),
 *   GET /{page}/feed, /{post}?fields=reactions.summary(...),comments.summary(...),shares, /{post}/insights.
 * - Instagram and Threads: media containers (POST /{user}/media, /{user}/threads) that are IN_PROGRESS
 *   for a few status reads and then FINISHED (or ERROR), published by /media_publish, /threads_publish
 *   inside the publishing quota (100 and 250 per moving 24 hours, shown by /content_publishing_limit
 *   and /threads_publishing_limit), listed by /{user}/media, /{user}/threads, with insights.
 * - Threads replies: a container with `reply_to_id` (an existing Threads post) publishes a reply; the
 *   profile's replies are listed by /{user}/replies with `replied_to` and `root_post`, not by /threads.
 *   GET /_fake/state shows them as posts with `repliedTo` and `rootPost`.
 * - Errors in Graph's envelope `{error: {message, type, code, error_subcode, fbtrace_id}}`: 190 for a
 *   bad token, 100 for bad parameters, 80001/80002 Business Use Case throttling with the
 *   X-Business-Use-Case-Usage header, 9/2207042 for a full publishing quota, 2/503 when down.
 *
 * Faults, by POST /_fake/faults on any of its hosts: `status5xx` (the next N writes fail with 503 and
 * are not applied), `rateLimited` (the next N writes are throttled), `acceptThenDrop` (the next N
 * publishing calls are applied, then the answer never comes; after `passBeforeDrop` that go through), `slowMs`, `containerPolls` (status reads
 * a container stays IN_PROGRESS, 1 by default), `containerError` (the next N containers end in ERROR).
 * With `owner` (a Page, Instagram or Threads user id) the faults hit only that account's writes, and
 * /_fake/reset {owner} clears only its posts: test files that share this fake (Facebook, Instagram,
 * Threads) may run at the same time without disturbing each other. POST /_fake/posted
 * {owner, count, hoursAgo} adds posts made earlier (they count in the quota); /_fake/engage
 * {id, ...counts}; /_fake/reset; GET /_fake/state.
 */

/** `passBeforeDrop`: how many publishes go through normally before `acceptThenDrop` hits (a thread's later post). */
type Faults = { status5xx: number; rateLimited: number; acceptThenDrop: number; passBeforeDrop: number; slowMs: number; containerPolls: number; containerError: number };
type TokenInfo = { subject: string; kind: "user" | "page" | "threads"; expiresAt: number | null };
type Counts = { views: number; likes: number; comments: number; shares: number; clicks: number; reposts: number; quotes: number; reach: number; saved: number };
type Container = { id: string; owner: string; platform: "instagram" | "threads"; params: Record<string, string>; pollsLeft: number; error: string | null; published: string | null; createdAt: number };
/** `repliedTo`: on Threads, the post this one answers (`reply_to_id` on its container); `rootPost` the thread's first post. */
type Post = { id: string; owner: string; platform: "facebook" | "instagram" | "threads"; text: string; link: string | null; media: string[]; kind: string; createdAt: number; permalink: string; counts: Counts; repliedTo?: string | null; rootPost?: string | null };

export const META_APP = { facebook: { id: "fake-meta-app-id", secret: "fake-meta-app-secret" }, threads: { id: "fake-threads-app-id", secret: "fake-threads-app-secret" } };
/** The person who logs in: a Facebook user with one Page (linked to an Instagram account) and one Page without, and a Threads profile. */
export const META_PEOPLE = {
  user: { id: "10150000000000001", name: "Alice Example" },
  pages: [
    { id: "102000000000001", name: "Alice's Bakery", category: "Bakery", token: "page-token-bakery", instagram: { id: "17841400000000001", username: "alices.bakery", name: "Alice's Bakery" } },
    { id: "102000000000002", name: "Alice Writes", category: "Writer", token: "page-token-writes", instagram: null },
  ],
  threads: { id: "25000000000000001", username: "alice.threads", name: "Alice Example" },
};
const QUOTA = { instagram: 100, threads: 250 };
const DAY = 86_400_000;
const noFaults = (): Faults => ({ status5xx: 0, rateLimited: 0, acceptThenDrop: 0, passBeforeDrop: 0, slowMs: 0, containerPolls: 1, containerError: 0 });
const zero = (): Counts => ({ views: 0, likes: 0, comments: 0, shares: 0, clicks: 0, reposts: 0, quotes: 0, reach: 0, saved: 0 });
/** Graph's timestamps: `2026-11-23T10:00:00+0000`. */
const graphTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+0000");

/** Client credentials sent as HTTP Basic (as OAuth clients such as arctic do) instead of in the body. */
function basicAuth(request: Request): Record<string, string> {
  const encoded = request.headers.get("authorization")?.match(/^Basic (.+)$/)?.[1];
  if (!encoded) return {};
  const [id = "", secret = ""] = atob(encoded).split(":").map(decodeURIComponent);
  return { client_id: id, client_secret: secret };
}

function graphError(status: number, code: number, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { message, type: code === 190 ? "OAuthException" : "GraphMethodException", code, ...extra, fbtrace_id: "AfakeTraceId0001" } }, { status, headers });
}

export class FakeMeta {
  tokens = new Map<string, TokenInfo>();
  codes = new Map<string, { app: "facebook" | "threads"; redirectUri: string; subject: string }>();
  containers = new Map<string, Container>();
  posts = new Map<string, Post>();
  faults: Faults = noFaults();
  /** Faults aimed at one account's writes (see the header). */
  ownFaults = new Map<string, Faults>();
  private nextId = 1;

  constructor() {
    this.reset();
  }

  reset() {
    this.tokens.clear();
    this.codes.clear();
    this.containers.clear();
    this.posts.clear();
    this.faults = noFaults();
    this.ownFaults.clear();
    // Long-lived tokens as a connected account holds them; tests may also get fresh ones through OAuth.
    this.tokens.set("user-token-alice", { subject: META_PEOPLE.user.id, kind: "user", expiresAt: Date.now() + 60 * DAY });
    for (const page of META_PEOPLE.pages) this.tokens.set(page.token, { subject: page.id, kind: "page", expiresAt: null });
    this.tokens.set("threads-token-alice", { subject: META_PEOPLE.threads.id, kind: "threads", expiresAt: Date.now() + 60 * DAY });
  }

  /** The faults for writes of this account: its own if a test aimed some at it, else the global ones. */
  private faultsOf(owner: string): Faults {
    return this.ownFaults.get(owner) ?? this.faults;
  }

  private id(prefix: string) {
    return `${prefix}${String(this.nextId++).padStart(8, "0")}`;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (this.faults.slowMs) await new Promise((resolve) => setTimeout(resolve, this.faults.slowMs));
    if (url.pathname.startsWith("/_fake/")) return this.control(request, url);
    if (url.host === "www.facebook.com" && /^\/v\d+\.\d+\/dialog\/oauth$/.test(url.pathname)) return this.dialog(url, "facebook");
    if (url.host === "threads.net" && url.pathname === "/oauth/authorize") return this.dialog(url, "threads");
    const params = await this.params(request, url);
    const path = url.pathname.replace(/^\/v\d+\.\d+/, "");
    if (path === "/oauth/access_token") return this.exchange({ ...basicAuth(request), ...params }, url.host === "graph.threads.net" ? "threads" : "facebook");
    if (path === "/access_token" && url.host === "graph.threads.net") return this.longLived(params, "threads");
    if (path === "/refresh_access_token" && url.host === "graph.threads.net") {
      const info = this.tokens.get(params.access_token ?? "");
      if (params.grant_type !== "th_refresh_token" || !info || (info.expiresAt ?? 0) <= Date.now()) return graphError(400, 190, "Invalid OAuth access token - Cannot parse access token");
      return this.longLived({ grant_type: "th_exchange_token", client_secret: META_APP.threads.secret, access_token: params.access_token! }, "threads");
    }

    const token = request.headers.get("authorization")?.match(/^(?:Bearer|OAuth) (.+)$/)?.[1] ?? params.access_token;
    const caller = token ? this.tokens.get(token) : undefined;
    if (!caller) return graphError(400, 190, "Invalid OAuth access token - Cannot parse access token");
    if (caller.expiresAt !== null && caller.expiresAt <= Date.now()) return graphError(400, 190, "Error validating access token: Session has expired.", { error_subcode: 463 });

    const [, node = "", edge = ""] = path.split("/");
    if (request.method === "POST") {
      const fault = this.writeFault(url.host, url.host === "graph.threads.net" && node === "me" ? caller.subject : node);
      if (fault) return fault;
    }
    if (url.host === "graph.threads.net") return this.threads(request.method, node === "me" ? caller.subject : node, edge, params, caller);
    if (node === "me") return this.me(edge, caller);
    if (META_PEOPLE.pages.some((p) => p.id === node)) return this.page(request.method, node, edge, params, caller);
    if (META_PEOPLE.pages.some((p) => p.instagram?.id === node)) return this.instagram(request.method, node, edge, params, caller);
    return this.object(node, edge, params, caller);
  }

  private async control(request: Request, url: URL): Promise<Response> {
    const body = request.method === "POST" ? ((await request.json().catch(() => ({}))) as Record<string, unknown>) : {};
    switch (url.pathname) {
      case "/_fake/faults": {
        const { owner, ...faults } = body as { owner?: string } & Partial<Faults>;
        const target = owner ? (this.ownFaults.get(owner) ?? this.ownFaults.set(owner, noFaults()).get(owner)!) : this.faults;
        return Response.json(Object.assign(target, faults));
      }
      case "/_fake/reset": {
        const { owner } = body as { owner?: string };
        if (!owner) this.reset();
        else {
          this.ownFaults.delete(owner);
          for (const [id, post] of this.posts) if (post.owner === owner) this.posts.delete(id);
          for (const [id, container] of this.containers) if (container.owner === owner) this.containers.delete(id);
        }
        return Response.json({ ok: true });
      }
      case "/_fake/state":
        return Response.json({ posts: [...this.posts.values()], containers: [...this.containers.values()] });
      case "/_fake/posted": {
        // Posts made earlier by this account through the API: they fill the quota for 24 hours.
        const { owner, count, hoursAgo } = body as { owner: string; count: number; hoursAgo: number };
        const platform = owner === META_PEOPLE.threads.id ? "threads" : "instagram";
        for (let i = 0; i < count; i++) this.addPost(owner, platform, `Earlier post ${i}`, null, [], "TEXT", Date.now() - hoursAgo * 3600_000 + i * 1000);
        return Response.json({ ok: true });
      }
      case "/_fake/engage": {
        const { id, ...counts } = body as { id: string } & Partial<Counts>;
        const post = this.posts.get(id);
        if (!post) return graphError(404, 100, "no such post");
        Object.assign(post.counts, counts);
        return Response.json(post.counts);
      }
      default:
        return graphError(404, 100, "Unknown fake control");
    }
  }

  /** The login dialog: the person agrees at once and comes back with a code for this app and redirect URI. */
  private dialog(url: URL, app: "facebook" | "threads"): Response {
    const redirectUri = url.searchParams.get("redirect_uri");
    if (url.searchParams.get("client_id") !== META_APP[app].id || !redirectUri) return new Response("Invalid App ID or redirect_uri", { status: 400 });
    const code = `code-${crypto.randomUUID()}`;
    this.codes.set(code, { app, redirectUri, subject: app === "threads" ? META_PEOPLE.threads.id : META_PEOPLE.user.id });
    const back = new URL(redirectUri);
    back.searchParams.set("code", app === "threads" ? `${code}#_` : code);
    if (url.searchParams.get("state")) back.searchParams.set("state", url.searchParams.get("state")!);
    return Response.redirect(back.toString(), 302);
  }

  /** The code exchange: the app's id and secret, the same redirect_uri, a code used once; a short-lived token back. */
  private exchange(params: Record<string, string>, app: "facebook" | "threads"): Response {
    if (params.grant_type === "fb_exchange_token") return this.longLived(params, "facebook");
    if (params.client_id !== META_APP[app].id || params.client_secret !== META_APP[app].secret) return graphError(400, 101, "Error validating client secret.");
    const code = this.codes.get(params.code?.replace(/#_$/, "") ?? "");
    if (!code || code.app !== app) return graphError(400, 100, "Invalid verification code format.", { error_subcode: 36007 });
    if (code.redirectUri !== params.redirect_uri) return graphError(400, 100, "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request", { error_subcode: 36008 });
    this.codes.delete(params.code!.replace(/#_$/, ""));
    const token = `${app}-short-${crypto.randomUUID()}`;
    this.tokens.set(token, { subject: code.subject, kind: app === "threads" ? "threads" : "user", expiresAt: Date.now() + 3600_000 });
    return app === "threads" ? Response.json({ access_token: token, user_id: code.subject }) : Response.json({ access_token: token, token_type: "bearer", expires_in: 3600 });
  }

  /** A short-lived token for a long-lived one (60 days), with the app's secret. */
  private longLived(params: Record<string, string>, app: "facebook" | "threads"): Response {
    const short = app === "facebook" ? params.fb_exchange_token : params.access_token;
    const grant = app === "facebook" ? "fb_exchange_token" : "th_exchange_token";
    if (params.grant_type !== grant || params.client_secret !== META_APP[app].secret || (app === "facebook" && params.client_id !== META_APP.facebook.id)) return graphError(400, 101, "Error validating client secret.");
    const info = short ? this.tokens.get(short) : undefined;
    if (!info) return graphError(400, 190, "Invalid OAuth access token - Cannot parse access token");
    const token = `${app}-long-${crypto.randomUUID()}`;
    this.tokens.set(token, { ...info, expiresAt: Date.now() + 60 * DAY });
    return Response.json({ access_token: token, token_type: "bearer", expires_in: 60 * 86_400 });
  }

  private async params(request: Request, url: URL): Promise<Record<string, string>> {
    const params = Object.fromEntries(url.searchParams);
    if (request.method !== "POST") return params;
    const type = request.headers.get("content-type") ?? "";
    if (type.startsWith("multipart/form-data")) {
      const form = await request.formData();
      for (const [k, v] of form) params[k] = typeof v === "string" ? v : `file:${v.type}:${v.size}`;
    } else if (type.startsWith("application/json")) Object.assign(params, await request.json());
    else Object.assign(params, Object.fromEntries(new URLSearchParams(await request.text())));
    return params;
  }

  private writeFault(host: string, node: string): Response | null {
    const faults = this.faultsOf(node);
    if (faults.status5xx > 0) {
      faults.status5xx--;
      return graphError(503, 2, "Service temporarily unavailable", { is_transient: true });
    }
    if (faults.rateLimited > 0) {
      faults.rateLimited--;
      if (host === "graph.threads.net") {
        // App-level throttling: Meta names no time, only usage percentages (and here a Retry-After).
        return graphError(400, 4, "Application request limit reached", { is_transient: true }, { "x-app-usage": JSON.stringify({ call_count: 100, total_time: 30, total_cputime: 20 }), "retry-after": "600" });
      }
      // Business Use Case throttling: per Page (80001) or per Instagram account (80002), with the minutes until access returns.
      const ig = META_PEOPLE.pages.some((p) => p.instagram?.id === node);
      const usage = JSON.stringify({ [node]: [{ type: ig ? "instagram" : "pages", call_count: 100, total_cputime: 40, total_time: 60, estimated_time_to_regain_access: 12 }] });
      const message = ig ? "There have been too many calls to this Instagram account. Wait a bit and try again." : "There have been too many calls to this Page account. Wait a bit and try again.";
      return graphError(400, ig ? 80002 : 80001, message, { is_transient: true }, { "x-business-use-case-usage": usage });
    }
    return null;
  }

  private me(edge: string, caller: TokenInfo): Response {
    if (caller.kind !== "user") return graphError(400, 100, "Unsupported get request.");
    if (edge === "") return Response.json({ id: META_PEOPLE.user.id, name: META_PEOPLE.user.name });
    if (edge !== "accounts") return graphError(400, 100, `Tried accessing nonexisting field (${edge})`);
    const data = META_PEOPLE.pages.map((p) => ({
      id: p.id,
      name: p.name,
      category: p.category,
      access_token: p.token,
      tasks: ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
      ...(p.instagram ? { instagram_business_account: p.instagram } : {}),
    }));
    return Response.json({ data, paging: { cursors: { before: "QVFIUbefore", after: "QVFIUafter" } } });
  }

  /** A Page token acts for its Page; the Page's owner's user token reads it too. */
  private canActFor(caller: TokenInfo, pageId: string) {
    return (caller.kind === "page" && caller.subject === pageId) || caller.kind === "user";
  }

  private page(method: string, pageId: string, edge: string, params: Record<string, string>, caller: TokenInfo): Response | Promise<Response> {
    if (!this.canActFor(caller, pageId)) return graphError(403, 200, "(#200) The user hasn't authorized the application to perform this action");
    if (method === "POST" && caller.kind !== "page") return graphError(403, 200, "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission");
    if (method === "POST" && edge === "feed") {
      if (!params.message && !params.link && !params.attached_media) return graphError(400, 100, "(#100) Missing message or attachment");
      const duplicate = [...this.posts.values()].find((p) => p.owner === pageId && p.text === (params.message ?? "") && p.createdAt > Date.now() - DAY && p.platform === "facebook" && p.text);
      if (duplicate) return graphError(400, 506, "(#506) Duplicate status message");
      const media = Object.entries(params).filter(([k]) => k.startsWith("attached_media")).map(([, v]) => (JSON.parse(v) as { media_fbid: string }).media_fbid);
      const post = this.addPost(pageId, "facebook", params.message ?? "", params.link ?? null, media, media.length ? "photos" : params.link ? "link" : "status");
      return this.maybeDrop(pageId, Response.json({ id: post.id }));
    }
    if (method === "POST" && edge === "photos") {
      if (!params.url && !params.source) return graphError(400, 324, "(#324) Requires upload file");
      const photoId = this.id("5");
      // An unpublished photo waits to be attached to a feed post; a published one is a post of its own.
      if (params.published === "false") return Response.json({ id: photoId });
      const post = this.addPost(pageId, "facebook", params.caption ?? params.message ?? "", null, [photoId], "photo");
      return this.maybeDrop(pageId, Response.json({ id: photoId, post_id: post.id }));
    }
    if (method === "GET" && (edge === "feed" || edge === "published_posts")) {
      const limit = Number(params.limit ?? 25);
      const data = [...this.posts.values()]
        .filter((p) => p.owner === pageId && p.platform === "facebook")
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, limit)
        .map((p) => ({ id: p.id, created_time: graphTime(p.createdAt), ...(p.text ? { message: p.text } : {}), permalink_url: p.permalink }));
      return Response.json({ data, paging: {} });
    }
    if (method === "GET" && edge === "") {
      const page = META_PEOPLE.pages.find((p) => p.id === pageId)!;
      return Response.json({ id: page.id, name: page.name });
    }
    return graphError(400, 100, `Unsupported ${method.toLowerCase()} request.`);
  }

  private maybeDrop(owner: string, response: Response): Response | Promise<Response> {
    const faults = this.faultsOf(owner);
    if (faults.acceptThenDrop > 0 && faults.passBeforeDrop > 0) faults.passBeforeDrop--;
    else if (faults.acceptThenDrop > 0) {
      faults.acceptThenDrop--;
      // The post exists; the answer never arrives (the client's deadline ends the wait).
      return new Promise<Response>(() => undefined);
    }
    return response;
  }

  private addPost(owner: string, platform: Post["platform"], text: string, link: string | null, media: string[], kind: string, at = Date.now()): Post {
    const id = platform === "facebook" ? `${owner}_${this.id("9")}` : this.id(platform === "threads" ? "18" : "17");
    const short = id.slice(-8);
    const permalink =
      platform === "facebook"
        ? `https://www.facebook.com/${owner}/posts/${id.split("_")[1]}`
        : platform === "instagram"
          ? `https://www.instagram.com/p/C${short}/`
          : `https://www.threads.com/@${META_PEOPLE.threads.username}/post/D${short}`;
    const post: Post = { id, owner, platform, text, link, media, kind, createdAt: at, permalink, counts: zero() };
    this.posts.set(id, post);
    return post;
  }

  private quotaUsed(owner: string, platform: "instagram" | "threads") {
    return [...this.posts.values()].filter((p) => p.owner === owner && p.platform === platform && p.createdAt > Date.now() - DAY).length;
  }

  private createContainer(owner: string, platform: "instagram" | "threads", params: Record<string, string>): Response {
    const faults = this.faultsOf(owner);
    const failing = faults.containerError > 0;
    if (failing) faults.containerError--;
    const container: Container = { id: this.id("c"), owner, platform, params, pollsLeft: faults.containerPolls, error: null, published: null, createdAt: Date.now() };
    if (failing) container.error = platform === "threads" ? (params.media_type === "VIDEO" ? "FAILED_PROCESSING_VIDEO" : "UNKNOWN") : "Error: Media upload has failed with error code 2207026";
    this.containers.set(container.id, container);
    return Response.json({ id: container.id });
  }

  private containerStatus(container: Container): string {
    if (container.published) return "PUBLISHED";
    if (container.pollsLeft > 0) return "IN_PROGRESS";
    return container.error ? "ERROR" : "FINISHED";
  }

  /** Publishing a container: only a FINISHED one, inside the quota. */
  private publishContainer(owner: string, platform: "instagram" | "threads", creationId: string | undefined): Response | Promise<Response> {
    const container = creationId ? this.containers.get(creationId) : undefined;
    if (!container || container.owner !== owner || container.platform !== platform) return graphError(400, 100, "(#100) Param creation_id must be a valid media container id", { error_subcode: 2207008 });
    if (container.published) return graphError(400, 9, "The media has already been published", { error_subcode: 2207006 });
    const status = this.containerStatus(container);
    if (status !== "FINISHED") {
      return graphError(400, 9007, "Media ID is not available", { error_subcode: 2207027, error_user_title: "Media not ready for publishing", error_user_msg: "The media is not ready for publishing, please wait for a moment" });
    }
    if (this.quotaUsed(owner, platform) >= QUOTA[platform]) {
      return graphError(400, 9, "Application request limit reached", { error_subcode: 2207042, error_user_title: "Reached the maximum number of posts", error_user_msg: "You reached maximum number of posts that is allowed to be published by Content Publish API." });
    }
    const p = container.params;
    const children = (p.children ?? "").split(",").filter(Boolean);
    const kind = platform === "threads" ? (p.media_type ?? "TEXT") : p.media_type === "CAROUSEL" ? "CAROUSEL_ALBUM" : p.media_type === "REELS" ? "VIDEO" : "IMAGE";
    const post = this.addPost(owner, platform, (platform === "threads" ? p.text : p.caption) ?? "", p.link_attachment ?? null, children.length ? children : [p.image_url ?? p.video_url ?? ""].filter(Boolean), kind);
    if (platform === "threads" && p.reply_to_id) {
      const parent = this.posts.get(p.reply_to_id)!;
      post.repliedTo = parent.id;
      post.rootPost = parent.rootPost ?? parent.id;
    }
    container.published = post.id;
    return this.maybeDrop(owner, Response.json({ id: post.id }));
  }

  private instagram(method: string, igId: string, edge: string, params: Record<string, string>, caller: TokenInfo): Response | Promise<Response> {
    const page = META_PEOPLE.pages.find((p) => p.instagram?.id === igId)!;
    if (!this.canActFor(caller, page.id)) return graphError(403, 10, "(#10) Application does not have permission for this action");
    if (method === "POST" && edge === "media") {
      if ((params.caption ?? "").length > 2200) return graphError(400, 100, "(#100) Param caption must be at most 2200 characters long.");
      if (params.media_type === "CAROUSEL") {
        const children = (params.children ?? "").split(",").filter(Boolean);
        if (children.length < 2 || children.length > 10) return graphError(400, 100, "(#100) The carousel must have between 2 and 10 children", { error_subcode: 2207020 });
        if (children.some((c) => this.containerStatus(this.containers.get(c) ?? ({ pollsLeft: 0, error: "missing" } as Container)) !== "FINISHED")) return graphError(400, 9007, "Media ID is not available", { error_subcode: 2207027 });
      } else if (params.media_type === "REELS" || params.media_type === "VIDEO") {
        if (!params.video_url?.startsWith("https://")) return graphError(400, 100, "(#100) The parameter video_url is required");
      } else if (!params.image_url?.startsWith("https://")) return graphError(400, 100, "(#100) The parameter image_url is required", { error_subcode: 2207052 });
      return this.createContainer(igId, "instagram", params);
    }
    if (method === "POST" && edge === "media_publish") return this.publishContainer(igId, "instagram", params.creation_id);
    if (method === "GET" && edge === "content_publishing_limit") {
      return Response.json({ data: [{ quota_usage: this.quotaUsed(igId, "instagram"), config: { quota_total: QUOTA.instagram, quota_duration: 86_400 } }] });
    }
    if (method === "GET" && edge === "media") return this.list(igId, "instagram", params, (p) => ({ id: p.id, caption: p.text || undefined, media_type: p.kind, timestamp: graphTime(p.createdAt), permalink: p.permalink }));
    if (method === "GET" && edge === "") return Response.json({ id: igId, username: page.instagram!.username, name: page.instagram!.name });
    return graphError(400, 100, `Unsupported ${method.toLowerCase()} request.`);
  }

  private threads(method: string, node: string, edge: string, params: Record<string, string>, caller: TokenInfo): Response | Promise<Response> {
    const { threads } = META_PEOPLE;
    if (caller.kind !== "threads") return graphError(400, 190, "Invalid OAuth access token - Cannot parse access token");
    if (node === threads.id) {
      if (method === "GET" && edge === "") return Response.json({ id: threads.id, username: threads.username, name: threads.name });
      if (method === "POST" && edge === "threads") {
        const type = params.media_type;
        if (!["TEXT", "IMAGE", "VIDEO", "CAROUSEL"].includes(type ?? "")) return graphError(400, 100, "Param media_type must be one of {TEXT, IMAGE, VIDEO, CAROUSEL}");
        if ([...new Intl.Segmenter().segment(params.text ?? "")].length > 500) return graphError(400, 100, "Param text must be at most 500 characters long.", { error_subcode: 2207046 });
        if (type === "IMAGE" && !params.image_url?.startsWith("https://")) return graphError(400, 100, "Param image_url is required for IMAGE");
        if (type === "VIDEO" && !params.video_url?.startsWith("https://")) return graphError(400, 100, "Param video_url is required for VIDEO");
        if (type === "TEXT" && !params.text) return graphError(400, 100, "Param text is required for TEXT");
        if (type === "CAROUSEL" && (params.children ?? "").split(",").filter(Boolean).length < 2) return graphError(400, 100, "A carousel needs at least 2 children");
        // A reply names the post it answers, which must be a Threads post that exists.
        if (params.reply_to_id !== undefined && this.posts.get(params.reply_to_id)?.platform !== "threads") {
          return graphError(400, 100, `Param reply_to_id: Object with ID '${params.reply_to_id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`);
        }
        return this.createContainer(threads.id, "threads", params);
      }
      if (method === "POST" && edge === "threads_publish") return this.publishContainer(threads.id, "threads", params.creation_id);
      if (method === "GET" && edge === "threads_publishing_limit") {
        return Response.json({ data: [{ quota_usage: this.quotaUsed(threads.id, "threads"), config: { quota_total: QUOTA.threads, quota_duration: 86_400 } }] });
      }
      // The profile's threads are its own posts; its replies (a thread's later posts too) are on /replies.
      const shape = (p: Post) => ({
        id: p.id,
        text: p.text || undefined,
        media_type: p.kind === "TEXT" ? "TEXT_POST" : p.kind,
        timestamp: graphTime(p.createdAt),
        permalink: p.permalink,
        ...(p.repliedTo ? { is_reply: true, replied_to: { id: p.repliedTo }, root_post: { id: p.rootPost } } : { is_reply: false }),
      });
      if (method === "GET" && edge === "threads") return this.list(threads.id, "threads", params, shape, (p) => !p.repliedTo);
      if (method === "GET" && edge === "replies") return this.list(threads.id, "threads", params, shape, (p) => Boolean(p.repliedTo));
      return graphError(400, 100, `Unsupported ${method.toLowerCase()} request.`);
    }
    const container = this.containers.get(node);
    if (container?.platform === "threads" && method === "GET" && edge === "") {
      const status = this.containerStatus(container);
      if (container.pollsLeft > 0) container.pollsLeft--;
      return Response.json({ id: container.id, status, ...(status === "ERROR" ? { error_message: container.error } : {}) });
    }
    const post = this.posts.get(node);
    if (post?.platform === "threads") return this.postEdge(post, edge, params);
    return graphError(400, 100, `Unsupported get request. Object with ID '${node}' does not exist`, { error_subcode: 33 });
  }

  private list(owner: string, platform: Post["platform"], params: Record<string, string>, shape: (p: Post) => Record<string, unknown>, include: (p: Post) => boolean = () => true): Response {
    const limit = Math.min(Number(params.limit ?? 25), 100);
    const data = [...this.posts.values()].filter((p) => p.owner === owner && p.platform === platform && include(p)).sort((a, b) => b.createdAt - a.createdAt).slice(0, limit).map(shape);
    return Response.json({ data, paging: {} });
  }

  /** Any other id on graph.facebook.com: a container, an Instagram media, a Page post. */
  private object(node: string, edge: string, params: Record<string, string>, caller: TokenInfo): Response {
    const container = this.containers.get(node);
    if (container?.platform === "instagram" && edge === "") {
      const status = this.containerStatus(container);
      if (container.pollsLeft > 0) container.pollsLeft--;
      return Response.json({ id: container.id, status_code: status, ...(status === "ERROR" ? { status: container.error } : {}) });
    }
    const post = this.posts.get(node);
    if (!post || post.platform === "threads") return graphError(400, 100, `Unsupported get request. Object with ID '${node}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, { error_subcode: 33 });
    const page = META_PEOPLE.pages.find((p) => p.id === post.owner || p.instagram?.id === post.owner)!;
    if (!this.canActFor(caller, page.id)) return graphError(403, 10, "(#10) Application does not have permission for this action");
    return this.postEdge(post, edge, params);
  }

  /** A post's fields and insights, as each platform names them. */
  private postEdge(post: Post, edge: string, params: Record<string, string>): Response {
    const c = post.counts;
    if (edge === "insights") {
      const names: Record<Post["platform"], Record<string, number>> = {
        facebook: { post_media_view: c.views, post_clicks: c.clicks },
        instagram: { views: c.views, reach: c.reach, likes: c.likes, comments: c.comments, shares: c.shares, saved: c.saved },
        threads: { views: c.views, likes: c.likes, replies: c.comments, reposts: c.reposts, quotes: c.quotes, shares: c.shares },
      };
      const asked = (params.metric ?? "").split(",").filter(Boolean);
      const unknown = asked.find((m) => !(m in names[post.platform]));
      if (!asked.length) return graphError(400, 100, "(#100) The value must be a valid insights metric", { error_subcode: 1504028 });
      if (unknown) return graphError(400, 100, `(#100) metric[0] must be one of the following values: ${Object.keys(names[post.platform]).join(", ")}`);
      return Response.json({ data: asked.map((name) => ({ name, period: "lifetime", values: [{ value: names[post.platform][name] }], title: name, description: name, id: `${post.id}/insights/${name}/lifetime` })) });
    }
    if (edge !== "") return graphError(400, 100, `Tried accessing nonexisting field (${edge})`);
    if (post.platform === "facebook") {
      return Response.json({
        id: post.id,
        created_time: graphTime(post.createdAt),
        message: post.text,
        permalink_url: post.permalink,
        reactions: { data: [], summary: { total_count: c.likes, viewer_reaction: "NONE" } },
        comments: { data: [], summary: { order: "ranked", total_count: c.comments, can_comment: true } },
        ...(c.shares ? { shares: { count: c.shares } } : {}),
      });
    }
    if (post.platform === "instagram") return Response.json({ id: post.id, caption: post.text, permalink: post.permalink, timestamp: graphTime(post.createdAt), like_count: c.likes, comments_count: c.comments });
    return Response.json({ id: post.id, text: post.text, permalink: post.permalink, timestamp: graphTime(post.createdAt) });
  }
}

/** The one fake Graph API of the test run, on graph.facebook.com, graph.threads.net and the login dialogs. */
export const fakeMeta = new FakeMeta();
