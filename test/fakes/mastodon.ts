/**
 * A fake Mastodon instance (https://mastodon.test) for tests, benches and the demo, following
 * docs.joinmastodon.org: POST /api/v1/apps (client_id and client_secret per app; each registration
 * counted), /oauth/authorize and /oauth/token (Doorkeeper: client credentials in HTTP Basic or the
 * body, PKCE S256 verified when a challenge was sent; tokens that do not expire, no refresh tokens),
 * GET /api/v1/accounts/verify_credentials, POST /api/v2/media (202 with `url: null` while
 * processing; GET /api/v1/media/:id answers 206 until ready; descriptions up to 1,500 characters),
 * POST /api/v1/statuses (500 characters, a link counted 23; attachments must be processed;
 * `in_reply_to_id` must be a status it holds, 404 otherwise; an
 * `Idempotency-Key` returns the same status for an hour; 300 statuses per 3 hours with
 * `X-RateLimit-Limit`, `-Remaining`, `-Reset` as ISO 8601), GET /api/v1/accounts/:id/statuses
 * (newest first), GET /api/v1/statuses/:id; statuses carry HTML `content` as Mastodon renders it.
 * Errors are `{"error": "..."}`.
 *
 * Faults (POST /_fake/faults): `status5xx`, `rateLimited`, `acceptThenDrop` (after `passBeforeDrop`
 * statuses that go through), `slowMs`;
 * `mediaPolls` (how many polls an upload stays at 206). /_fake/engage {id, ...counts};
 * /_fake/reset; GET /_fake/state.
 */
import { dropped, FakeOAuthServer, noFaults, type Faults } from "./oauth-server.ts";

type Account = { id: string; username: string; display_name: string };
type Status = { id: string; accountId: string; text: string; createdAt: number; mediaIds: string[]; idempotencyKey: string | null; inReplyTo: string | null; favourites_count: number; reblogs_count: number; replies_count: number };
type Media = { id: string; owner: string; description: string | null; pollsLeft: number; type: string };

const ORIGIN = "https://mastodon.test";
const WINDOW_MS = 3 * 3600_000;

export class FakeMastodon {
  accounts: Account[] = [{ id: "109000000000000001", username: "alice", display_name: "Alice on Mastodon" }];
  oauth = new FakeOAuthServer({ clientAuth: "either", pkce: "optional", accessTtlSec: null, refreshTtlSec: null, refresh: false, rotate: false, reportsRefreshExpiry: false }, "109000000000000001");
  appsRegistered = 0;
  statuses: Status[] = [];
  media = new Map<string, Media>();
  /** `passBeforeDrop`: how many statuses go through normally before `acceptThenDrop` hits (a thread's later post). */
  faults: Faults & { mediaPolls: number; passBeforeDrop: number } = { ...noFaults(), mediaPolls: 1, passBeforeDrop: 0 };
  private nextId = 110000000000000000n;
  private posted: number[] = [];

  reset() {
    this.statuses = [];
    this.media.clear();
    this.faults = { ...noFaults(), mediaPolls: 1, passBeforeDrop: 0 };
    this.posted = [];
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (this.faults.slowMs) await new Promise((resolve) => setTimeout(resolve, this.faults.slowMs));
    switch (url.pathname) {
      case "/_fake/faults":
        Object.assign(this.faults, await request.json());
        return Response.json(this.faults);
      case "/_fake/engage": {
        const { id, ...counts } = (await request.json()) as { id: string } & Partial<Pick<Status, "favourites_count" | "reblogs_count" | "replies_count">>;
        const status = this.statuses.find((s) => s.id === id);
        if (!status) return error(404, "Record not found");
        Object.assign(status, counts);
        return Response.json(this.render(status));
      }
      case "/_fake/reset":
        this.reset();
        return Response.json({ ok: true });
      case "/_fake/state":
        return Response.json({ statuses: this.statuses, appsRegistered: this.appsRegistered, media: [...this.media.values()], issuedTokens: [...this.oauth.access.keys()] });
      case "/api/v1/apps":
        return this.registerApp(request);
      case "/oauth/authorize":
        return this.oauth.authorize(url);
      case "/oauth/token":
        return this.oauth.token(request);
    }
    const grant = this.oauth.bearer(request);
    const statusesOf = url.pathname.match(/^\/api\/v1\/accounts\/([^/]+)\/statuses$/);
    if (statusesOf && request.method === "GET") {
      const limit = Math.min(40, Number(url.searchParams.get("limit") ?? 20));
      const list = this.statuses.filter((s) => s.accountId === statusesOf[1]).sort((a, b) => b.createdAt - a.createdAt || (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
      return Response.json(list.slice(0, limit).map((s) => this.render(s)));
    }
    const single = url.pathname.match(/^\/api\/v1\/statuses\/([^/]+)$/);
    if (single && request.method === "GET") {
      const status = this.statuses.find((s) => s.id === single[1]);
      return status ? Response.json(this.render(status)) : error(404, "Record not found");
    }
    if (!grant) return error(401, "The access token is invalid");
    const me = this.accounts.find((a) => a.id === grant.subject)!;
    if (url.pathname === "/api/v1/accounts/verify_credentials") {
      if (!grant.scopes.some((s) => s === "read" || s === "read:accounts" || s === "profile")) return error(403, "This action is outside the authorized scopes");
      return Response.json({ ...me, acct: me.username, url: `${ORIGIN}/@${me.username}`, locked: false, bot: false });
    }
    if (url.pathname === "/api/v2/media" && request.method === "POST") return this.upload(request, me, grant.scopes);
    const media = url.pathname.match(/^\/api\/v1\/media\/([^/]+)$/);
    if (media && request.method === "GET") {
      const item = this.media.get(media[1]!);
      if (!item || item.owner !== me.id) return error(404, "Record not found");
      if (item.pollsLeft > 0) {
        item.pollsLeft--;
        return Response.json(this.attachment(item, false), { status: 206 });
      }
      return Response.json(this.attachment(item, true));
    }
    if (url.pathname === "/api/v1/statuses" && request.method === "POST") return this.createStatus(request, me, grant.scopes);
    return error(404, "Not Found");
  }

  private async registerApp(request: Request): Promise<Response> {
    const type = request.headers.get("content-type") ?? "";
    const body = type.includes("json") ? ((await request.json()) as Record<string, string>) : Object.fromEntries(new URLSearchParams(await request.text()));
    if (!body.client_name) return error(422, "Validation failed: Application name can't be blank");
    if (!body.redirect_uris) return error(422, "Validation failed: Redirect URI can't be blank");
    const clientId = `mc_${crypto.randomUUID()}`;
    const clientSecret = `ms_${crypto.randomUUID()}`;
    const redirectUris = String(body.redirect_uris).split(/\s+/);
    this.oauth.clients.set(clientId, { secret: clientSecret, redirectUris });
    this.appsRegistered++;
    return Response.json({ id: String(this.appsRegistered), name: body.client_name, website: body.website ?? null, scopes: String(body.scopes ?? "read").split(" "), redirect_uri: body.redirect_uris, redirect_uris: redirectUris, client_id: clientId, client_secret: clientSecret, vapid_key: "fake" });
  }

  private attachment(item: Media, ready: boolean) {
    return { id: item.id, type: item.type, url: ready ? `${ORIGIN}/system/media/${item.id}.png` : null, preview_url: `${ORIGIN}/system/media/${item.id}_small.png`, description: item.description };
  }

  private async upload(request: Request, me: Account, scopes: string[]): Promise<Response> {
    if (!scopes.some((s) => s === "write" || s === "write:media")) return error(403, "This action is outside the authorized scopes");
    if (this.faults.status5xx > 0) {
      this.faults.status5xx--;
      return error(503, "Service Unavailable");
    }
    const form = await request.formData().catch(() => null);
    const file = form?.get("file");
    if (!(file instanceof Blob)) return error(422, "Validation failed: File can't be blank");
    const description = form!.get("description");
    if (typeof description === "string" && description.length > 1500) return error(422, "Validation failed: Description is too long (maximum is 1500 characters)");
    if (file.size > 16 * 1024 * 1024) return error(422, "Validation failed: File file size must be less than 16 MB");
    const item: Media = { id: String(this.nextId++), owner: me.id, description: typeof description === "string" ? description : null, pollsLeft: this.faults.mediaPolls, type: file.type.startsWith("video/") ? "video" : "image" };
    this.media.set(item.id, item);
    return Response.json(this.attachment(item, false), { status: 202 });
  }

  private rateHeaders(): Record<string, string> {
    const now = Date.now();
    this.posted = this.posted.filter((t) => t > now - WINDOW_MS);
    return { "x-ratelimit-limit": "300", "x-ratelimit-remaining": String(Math.max(0, 300 - this.posted.length)), "x-ratelimit-reset": new Date((this.posted[0] ?? now) + WINDOW_MS).toISOString() };
  }

  private async createStatus(request: Request, me: Account, scopes: string[]): Promise<Response> {
    if (!scopes.some((s) => s === "write" || s === "write:statuses")) return error(403, "This action is outside the authorized scopes");
    if (this.faults.status5xx > 0) {
      this.faults.status5xx--;
      return error(503, "Service Unavailable");
    }
    const headers = this.rateHeaders();
    if (this.faults.rateLimited > 0 || this.posted.length >= 300) {
      if (this.faults.rateLimited > 0) this.faults.rateLimited--;
      return error(429, "Too many requests", { ...headers, "x-ratelimit-remaining": "0" });
    }
    const key = request.headers.get("idempotency-key");
    const repeat = key ? this.statuses.find((s) => s.idempotencyKey === key && s.accountId === me.id && s.createdAt > Date.now() - 3600_000) : undefined;
    if (repeat) return Response.json(this.render(repeat), { headers });
    const type = request.headers.get("content-type") ?? "";
    const body = (type.includes("json") ? await request.json().catch(() => ({})) : Object.fromEntries(new URLSearchParams(await request.text()))) as { status?: string; media_ids?: string[]; in_reply_to_id?: string };
    const text = body.status ?? "";
    const mediaIds = body.media_ids ?? [];
    if (!text.trim() && mediaIds.length === 0) return error(422, "Validation failed: Text can't be blank");
    if (length(text) > 500) return error(422, "Validation failed: Text character limit of 500 exceeded");
    if (mediaIds.length > 4) return error(422, "Validation failed: Media attachments exceeded limit of 4");
    for (const id of mediaIds) {
      const item = this.media.get(id);
      if (!item || item.owner !== me.id) return error(422, "Validation failed: Media attachments are invalid");
      if (item.pollsLeft > 0) return error(422, "Cannot attach files that have not finished processing. Try again in a moment!");
    }
    // A reply answers a status the instance knows (Statuses controller: Status.find, 404 otherwise).
    const inReplyTo = body.in_reply_to_id || null;
    const parent = inReplyTo ? this.statuses.find((s) => s.id === inReplyTo) : undefined;
    if (inReplyTo && !parent) return error(404, "Record not found");
    this.posted.push(Date.now());
    const status: Status = { id: String(this.nextId++), accountId: me.id, text, createdAt: Date.now(), mediaIds, idempotencyKey: key, inReplyTo, favourites_count: 0, reblogs_count: 0, replies_count: 0 };
    this.statuses.push(status);
    if (parent) parent.replies_count++;
    if (this.faults.acceptThenDrop > 0 && this.faults.passBeforeDrop > 0) this.faults.passBeforeDrop--;
    else if (this.faults.acceptThenDrop > 0) {
      this.faults.acceptThenDrop--;
      return dropped();
    }
    return Response.json(this.render(status), { headers: this.rateHeaders() });
  }

  /** A status as the API returns it, with its text rendered to HTML as Mastodon does. */
  private render(s: Status) {
    const account = this.accounts.find((a) => a.id === s.accountId)!;
    return {
      id: s.id,
      created_at: new Date(s.createdAt).toISOString(),
      visibility: "public",
      uri: `${ORIGIN}/users/${account.username}/statuses/${s.id}`,
      url: `${ORIGIN}/@${account.username}/${s.id}`,
      content: toHtml(s.text),
      in_reply_to_id: s.inReplyTo,
      in_reply_to_account_id: s.inReplyTo ? this.statuses.find((p) => p.id === s.inReplyTo)?.accountId ?? null : null,
      favourites_count: s.favourites_count,
      reblogs_count: s.reblogs_count,
      replies_count: s.replies_count,
      media_attachments: s.mediaIds.map((id) => this.attachment(this.media.get(id)!, true)),
      account: { id: account.id, username: account.username, acct: account.username },
    };
  }
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** Mastodon's formatter: paragraphs on blank lines, <br /> on single ones, links with hidden parts. */
function toHtml(text: string): string {
  const link = (url: string) => {
    const [, scheme, rest] = url.match(/^(https?:\/\/)(.*)$/)!;
    const shown = rest!.slice(0, 30);
    return `<a href="${escape(url)}" rel="nofollow noopener" translate="no" target="_blank"><span class="invisible">${escape(scheme!)}</span><span class="${rest!.length > 30 ? "ellipsis" : ""}">${escape(shown)}</span><span class="invisible">${escape(rest!.slice(30))}</span></a>`;
  };
  const inline = (line: string) => line.split(/(https?:\/\/\S+)/).map((part, i) => (i % 2 ? link(part) : escape(part))).join("");
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((para) => `<p>${para.split("\n").map(inline).join("<br />")}</p>`)
    .join("");
}

/** Mastodon's count: graphemes, every link 23. */
function length(text: string): number {
  let count = 0;
  for (const part of text.split(/(https?:\/\/\S+)/)) count += /^https?:\/\//.test(part) ? 23 : [...new Intl.Segmenter("en", { granularity: "grapheme" }).segment(part)].length;
  return count;
}

function error(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: message }, { status, headers });
}

/** The one fake Mastodon instance of the test run, at https://mastodon.test. */
export const fakeMastodon = new FakeMastodon();
