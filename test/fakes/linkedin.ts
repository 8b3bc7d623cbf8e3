/**
 * A fake LinkedIn for tests, benches and the demo, following LinkedIn's documentation: OAuth 2.0 at
 * www.linkedin.com/oauth/v2/authorization and /accessToken (client credentials in the form body
 * only; no PKCE for web apps; access tokens 60 days, refresh tokens 365 days with
 * `refresh_token_expires_in`, not rotated), /v2/userinfo (OpenID Connect), the versioned REST API
 * on api.linkedin.com (a `LinkedIn-Version` header and Rest.li 2.0 required): organizationAcls
 * (roleAssignee finder), organizations/{id}, images?action=initializeUpload (then a PUT of the bytes
 * to the upload URL), posts (create: 201 with the URN in `x-restli-id`, 3,000 characters, author a
 * member or a page they administer, "Content is a duplicate of urn:li:share:…" for a repeat; list
 * with q=author, member posts only with r_member_social), socialActions/{urn}; 150 posts a day per
 * member (429 `TOO_MANY_REQUESTS`, no Retry-After). Errors are `{status, serviceErrorCode, code, message}`.
 *
 * Faults (POST /_fake/faults on api.linkedin.com): `status5xx`, `rateLimited`, `acceptThenDrop`,
 * `slowMs`. POST /_fake/tokens {error, count} fails the next refresh calls; /_fake/clock {advanceMs};
 * /_fake/engage {id, likes, comments}; /_fake/reset; GET /_fake/state.
 */
import { dropped, FakeOAuthServer, noFaults, type Faults } from "./oauth-server.ts";

type Member = { sub: string; given_name: string; family_name: string; admins: string[] };
type Post = { id: string; author: string; commentary: string; createdAt: number; content: unknown; likes: number; comments: number };

export const LINKEDIN_CLIENT = { id: "test-linkedin-client-id", secret: "test-linkedin-client-secret" };
const VERSION = /^20\d{4}$/;

export class FakeLinkedIn {
  members: Member[] = [{ sub: "aBcD3fGh1", given_name: "Lina", family_name: "Example", admins: ["urn:li:organization:1001", "urn:li:organization:1002"] }];
  organizations = new Map<string, { localizedName: string; vanityName: string }>([
    ["1001", { localizedName: "Acme Inc.", vanityName: "acme" }],
    ["1002", { localizedName: "Acme Labs", vanityName: "acme-labs" }],
  ]);
  oauth = new FakeOAuthServer({ clientAuth: "body", pkce: "none", accessTtlSec: 60 * 86400, refreshTtlSec: 365 * 86400, refresh: true, rotate: false, reportsRefreshExpiry: true }, "aBcD3fGh1");
  posts: Post[] = [];
  images = new Map<string, { owner: string; uploaded: boolean }>();
  faults: Faults = noFaults();
  private nextId = 7300000000000000000n;
  private posted: number[] = [];

  constructor() {
    this.oauth.clients.set(LINKEDIN_CLIENT.id, { secret: LINKEDIN_CLIENT.secret, redirectUris: ["https://engine.test/oauth/callback/linkedin", "http://127.0.0.1:8787/oauth/callback/linkedin", "http://localhost:8787/oauth/callback/linkedin"] });
  }

  reset() {
    this.posts = [];
    this.images.clear();
    this.faults = noFaults();
    this.posted = [];
    this.oauth.now = () => Date.now();
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (this.faults.slowMs) await new Promise((resolve) => setTimeout(resolve, this.faults.slowMs));
    if (url.host === "www.linkedin.com") {
      if (url.pathname === "/oauth/v2/authorization") return this.oauth.authorize(url);
      if (url.pathname === "/oauth/v2/accessToken") return this.oauth.token(request);
      const upload = url.pathname.match(/^\/dms-uploads\/(.+)$/);
      if (upload && request.method === "PUT") {
        const image = this.images.get(decodeURIComponent(upload[1]!));
        if (!image || !this.oauth.bearer(request)) return error(401, 65600, "INVALID_ACCESS_TOKEN", "Invalid access token");
        image.uploaded = true;
        return new Response(null, { status: 201 });
      }
      return error(404, 0, "NOT_FOUND", "Not found");
    }
    switch (url.pathname) {
      case "/_fake/faults":
        Object.assign(this.faults, await request.json());
        return Response.json(this.faults);
      case "/_fake/tokens":
      case "/_fake/clock":
        return (await this.oauth.control(url.pathname, request))!;
      case "/_fake/engage": {
        const { id, likes, comments } = (await request.json()) as { id: string; likes?: number; comments?: number };
        const post = this.posts.find((p) => p.id === id);
        if (!post) return error(404, 0, "NOT_FOUND", "no such post");
        Object.assign(post, likes === undefined ? {} : { likes }, comments === undefined ? {} : { comments });
        return Response.json(post);
      }
      case "/_fake/reset":
        this.reset();
        return Response.json({ ok: true });
      case "/_fake/state":
        return Response.json({ posts: this.posts, images: [...this.images.entries()], issuedTokens: [...this.oauth.access.keys(), ...this.oauth.refreshTokens.keys()] });
    }
    const grant = this.oauth.bearer(request);
    if (!grant) return error(401, 65600, "INVALID_ACCESS_TOKEN", "Invalid access token");
    const member = this.members.find((m) => m.sub === grant.subject)!;
    const personUrn = `urn:li:person:${member.sub}`;
    if (url.pathname === "/v2/userinfo") {
      if (!grant.scopes.includes("openid")) return error(403, 100, "ACCESS_DENIED", "Not enough permissions to access: userinfo.GET.NO_VERSION");
      return Response.json({ sub: member.sub, name: `${member.given_name} ${member.family_name}`, given_name: member.given_name, family_name: member.family_name, locale: { country: "US", language: "en" } });
    }
    if (!url.pathname.startsWith("/rest/")) return error(404, 0, "NOT_FOUND", "Not found");
    const version = request.headers.get("linkedin-version");
    if (!version) return error(400, 0, "VERSION_MISSING", "A version must be present. Please specify a version by adding the LinkedIn-Version header.");
    if (!VERSION.test(version)) return error(426, 0, "NONEXISTENT_VERSION", `Requested version ${version} is not active`);
    if (request.headers.get("x-restli-protocol-version") !== "2.0.0") return error(400, 0, "ILLEGAL_ARGUMENT", "Rest.li protocol version 2.0.0 is required");

    if (url.pathname === "/rest/organizationAcls" && url.searchParams.get("q") === "roleAssignee") {
      if (!grant.scopes.some((s) => s === "r_organization_admin" || s === "rw_organization_admin")) return error(403, 100, "ACCESS_DENIED", "Not enough permissions to access: organizationAcls.FINDER-roleAssignee");
      const elements = member.admins.map((organization) => ({ roleAssignee: personUrn, state: "APPROVED", role: "ADMINISTRATOR", organization }));
      return Response.json({ elements, paging: { count: 100, start: 0, total: elements.length } });
    }
    const org = url.pathname.match(/^\/rest\/organizations\/(\d+)$/);
    if (org) {
      const found = this.organizations.get(org[1]!);
      return found ? Response.json({ id: Number(org[1]), ...found }) : error(404, 0, "NOT_FOUND", `Organization ${org[1]} not found`);
    }
    const canAuthor = (author: string) => author === personUrn || member.admins.includes(author);
    if (url.pathname === "/rest/images" && url.searchParams.get("action") === "initializeUpload" && request.method === "POST") {
      const { initializeUploadRequest } = (await request.json()) as { initializeUploadRequest?: { owner?: string } };
      const owner = initializeUploadRequest?.owner ?? "";
      if (!canAuthor(owner)) return error(403, 100, "ACCESS_DENIED", `Not enough permissions to upload as ${owner}`);
      const image = `urn:li:image:D4E${(this.nextId++).toString(36)}`;
      this.images.set(image, { owner, uploaded: false });
      return Response.json({ value: { uploadUrlExpiresAt: this.oauth.now() + 86400_000, uploadUrl: `https://www.linkedin.com/dms-uploads/${encodeURIComponent(image)}`, image } });
    }
    if (url.pathname === "/rest/posts" && request.method === "POST") return this.createPost(request, grant.scopes, canAuthor);
    if (url.pathname === "/rest/posts" && request.method === "GET" && url.searchParams.get("q") === "author") {
      const author = url.searchParams.get("author") ?? "";
      const scope = author.startsWith("urn:li:person:") ? "r_member_social" : "r_organization_social";
      if (!grant.scopes.includes(scope) || !canAuthor(author)) return error(403, 100, "ACCESS_DENIED", "Not enough permissions to access: partnerApiPostsExternal.FINDER-author");
      const count = Math.min(100, Number(url.searchParams.get("count") ?? 10));
      const elements = this.posts
        .filter((p) => p.author === author)
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, count)
        .map((p) => ({ id: p.id, author: p.author, commentary: p.commentary, createdAt: p.createdAt, lastModifiedAt: p.createdAt, publishedAt: p.createdAt, lifecycleState: "PUBLISHED", visibility: "PUBLIC" }));
      return Response.json({ elements, paging: { start: 0, count, links: [] } });
    }
    const social = url.pathname.match(/^\/rest\/socialActions\/(.+)$/);
    if (social && request.method === "GET") {
      const urn = decodeURIComponent(social[1]!);
      const post = this.posts.find((p) => p.id === urn);
      if (!post) return error(404, 0, "NOT_FOUND", `Entity ${urn} not found`);
      return Response.json({ target: urn, likesSummary: { totalLikes: post.likes, likedByCurrentUser: false }, commentsSummary: { aggregatedTotalComments: post.comments, totalFirstLevelComments: post.comments } });
    }
    return error(404, 0, "NOT_FOUND", `No resource at ${url.pathname}`);
  }

  private async createPost(request: Request, scopes: string[], canAuthor: (author: string) => boolean): Promise<Response> {
    if (this.faults.status5xx > 0) {
      this.faults.status5xx--;
      return error(504, 0, "GATEWAY_TIMEOUT", "Gateway Timeout");
    }
    const now = this.oauth.now();
    this.posted = this.posted.filter((t) => t > now - 86400_000);
    if (this.faults.rateLimited > 0 || this.posted.length >= 150) {
      if (this.faults.rateLimited > 0) this.faults.rateLimited--;
      return error(429, 101, "TOO_MANY_REQUESTS", "Resource level throttle MEMBER DAY limit for calls to this resource is reached.");
    }
    const body = (await request.json().catch(() => null)) as { author?: string; commentary?: string; visibility?: string; lifecycleState?: string; content?: { media?: { id: string }; multiImage?: { images: { id: string }[] } } } | null;
    if (!body?.author || typeof body.commentary !== "string" || !body.visibility || body.lifecycleState !== "PUBLISHED") return error(422, 0, "UNPROCESSABLE_ENTITY", "/author, /commentary, /visibility and /lifecycleState are required");
    const scope = body.author.startsWith("urn:li:person:") ? "w_member_social" : "w_organization_social";
    if (!scopes.includes(scope) || !canAuthor(body.author)) return error(403, 100, "ACCESS_DENIED", `Not enough permissions to post as ${body.author}`);
    if (body.commentary.length > 3000) return error(422, 0, "UNPROCESSABLE_ENTITY", "/commentary :: length of 3001 exceeds the maximum allowed length of 3000");
    for (const image of [body.content?.media, ...(body.content?.multiImage?.images ?? [])].filter(Boolean) as { id: string }[]) {
      const known = this.images.get(image.id);
      if (!known || known.owner !== body.author || !known.uploaded) return error(422, 0, "UNPROCESSABLE_ENTITY", `/content/media/id :: ${image.id} is not an uploaded image of the author`);
    }
    const duplicate = this.posts.find((p) => p.author === body.author && p.commentary === body.commentary && p.createdAt > now - 86400_000);
    if (duplicate) return Response.json({ message: `Content is a duplicate of ${duplicate.id}`, status: 422, errorDetailType: "com.linkedin.common.error.BadRequest" }, { status: 422 });
    this.posted.push(now);
    const post: Post = { id: `urn:li:share:${this.nextId++}`, author: body.author, commentary: body.commentary, createdAt: now, content: body.content ?? null, likes: 0, comments: 0 };
    this.posts.push(post);
    if (this.faults.acceptThenDrop > 0) {
      this.faults.acceptThenDrop--;
      return dropped();
    }
    return new Response(null, { status: 201, headers: { "x-restli-id": post.id, "x-linkedin-id": post.id } });
  }
}

function error(status: number, serviceErrorCode: number, code: string, message: string): Response {
  return Response.json({ status, serviceErrorCode, code, message }, { status });
}

/** The one fake LinkedIn of the test run, at https://api.linkedin.com and https://www.linkedin.com. */
export const fakeLinkedIn = new FakeLinkedIn();
