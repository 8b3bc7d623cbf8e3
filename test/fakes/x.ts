/**
 * A fake X (API v2) for tests, benches and the demo, following X's documentation: OAuth 2.0 with
 * PKCE at x.com/i/oauth2/authorize and api.x.com/2/oauth2/token (confidential client in HTTP Basic;
 * access tokens 2 hours; `offline.access` refresh tokens that rotate on every use), GET /2/users/me,
 * POST /2/media/upload (multipart, `media` + `media_category`; images up to 5 MB) and
 * /2/media/metadata (alt text up to 1,000 characters), POST /2/tweets (280 weighted characters with
 * every link counted 23 and stored as t.co; a tweet identical to a recent one refused as "duplicate
 * content"; 100 per 15 minutes per user with `x-rate-limit-limit`, `-remaining`, `-reset`),
 * GET /2/users/:id/tweets (newest first, `start_time`, `max_results`), GET /2/tweets/:id with
 * public_metrics and, for the author within 30 days, non_public_metrics. Errors are RFC 7807
 * problem details as X sends them.
 *
 * POST /2/tweets takes `reply.in_reply_to_tweet_id`, which must be an existing tweet; the timeline
 * honours `exclude=replies` and gives `referenced_tweets` (replied_to) when asked for.
 *
 * Faults (POST /_fake/faults on api.x.com): `status5xx`, `rateLimited`, `acceptThenDrop` (the tweet
 * is made, the answer never comes; after `passBeforeDrop` tweets that go through), `slowMs`. POST /_fake/tokens {error, count} fails the next refresh calls;
 * /_fake/clock {advanceMs} (shared by every test file: prefer aging one tweet with /_fake/engage {id, ageMs, ...counts}); /_fake/reset; GET /_fake/state.
 */
import { dropped, FakeOAuthServer, noFaults, type Faults } from "./oauth-server.ts";

type User = { id: string; name: string; username: string };
type Tweet = { id: string; text: string; authorId: string; createdAt: number; mediaIds: string[]; inReplyTo: string | null; metrics: { retweet_count: number; reply_count: number; like_count: number; quote_count: number; impression_count: number; url_link_clicks: number } };

export const X_CLIENT = { id: "test-x-client-id", secret: "test-x-client-secret" };
const WINDOW_MS = 15 * 60_000;

export class FakeX {
  users: User[] = [{ id: "1700000000000000001", name: "Alice Example", username: "alice_x" }];
  oauth = new FakeOAuthServer({ clientAuth: "basic", pkce: "required", accessTtlSec: 7200, refreshTtlSec: null, refresh: true, rotate: true, reportsRefreshExpiry: false }, "1700000000000000001");
  tweets: Tweet[] = [];
  media = new Map<string, { owner: string; mime: string; size: number; alt: string | null }>();
  faults: Faults = noFaults();
  private nextId = 1900000000000000000n;
  private posted: number[] = [];
  /** How many tweets go through normally before `acceptThenDrop` hits (a thread's later post). */
  private passBeforeDrop = 0;

  constructor() {
    this.oauth.clients.set(X_CLIENT.id, { secret: X_CLIENT.secret, redirectUris: ["https://engine.test/oauth/callback/x", "http://127.0.0.1:8787/oauth/callback/x", "http://localhost:8787/oauth/callback/x"] });
  }

  /** Posts, media and faults; the apps, tokens and token faults stay (other test files may be mid-sign-in or mid-refresh). */
  reset() {
    this.tweets = [];
    this.media.clear();
    this.faults = noFaults();
    this.posted = [];
    this.passBeforeDrop = 0;
    this.oauth.now = () => Date.now();
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (this.faults.slowMs) await new Promise((resolve) => setTimeout(resolve, this.faults.slowMs));
    if (url.host === "x.com" && url.pathname === "/i/oauth2/authorize") return this.oauth.authorize(url);
    switch (url.pathname) {
      case "/_fake/faults": {
        const { passBeforeDrop, ...faults } = (await request.json()) as Partial<Faults> & { passBeforeDrop?: number };
        Object.assign(this.faults, faults);
        if (passBeforeDrop !== undefined) this.passBeforeDrop = passBeforeDrop;
        return Response.json(this.faults);
      }
      case "/_fake/tokens":
      case "/_fake/clock":
        return (await this.oauth.control(url.pathname, request))!;
      case "/_fake/engage": {
        const { id, ageMs, ...counts } = (await request.json()) as { id: string; ageMs?: number } & Partial<Tweet["metrics"]>;
        const tweet = this.tweets.find((t) => t.id === id);
        if (!tweet) return problem(404, "Not Found", "no such tweet");
        Object.assign(tweet.metrics, counts);
        // Ages the tweet (for the 30-day window of private metrics) without moving the shared clock.
        if (ageMs) tweet.createdAt -= ageMs;
        return Response.json(tweet.metrics);
      }
      case "/_fake/reset":
        this.reset();
        return Response.json({ ok: true });
      case "/_fake/state":
        return Response.json({ tweets: this.tweets, media: [...this.media.entries()], issuedTokens: [...this.oauth.access.keys(), ...this.oauth.refreshTokens.keys()] });
      case "/2/oauth2/token":
        return this.oauth.token(request);
    }
    const grant = this.oauth.bearer(request);
    if (!grant) return problem(401, "Unauthorized", "Unauthorized");
    const user = this.users.find((u) => u.id === grant.subject)!;
    if (url.pathname === "/2/users/me" && request.method === "GET") {
      if (!grant.scopes.includes("users.read")) return problem(403, "Forbidden", "Missing scope users.read");
      return Response.json({ data: user });
    }
    if (url.pathname === "/2/media/upload" && request.method === "POST") return this.upload(request, user, grant.scopes);
    if (url.pathname === "/2/media/metadata" && request.method === "POST") {
      const body = (await request.json()) as { id?: string; metadata?: { alt_text?: { text?: string } } };
      const media = body.id ? this.media.get(body.id) : undefined;
      if (!media || media.owner !== user.id) return problem(400, "Invalid Request", "One or more parameters to your request was invalid.", [{ message: "The media id was not found" }]);
      const alt = body.metadata?.alt_text?.text ?? "";
      if (alt.length > 1000) return problem(400, "Invalid Request", "One or more parameters to your request was invalid.", [{ message: "alt_text.text must be 1000 characters or fewer" }]);
      media.alt = alt;
      return Response.json({ data: { id: body.id, associated_metadata: { alt_text: { text: alt } } } });
    }
    if (url.pathname === "/2/tweets" && request.method === "POST") return this.createTweet(request, user, grant.scopes);
    const timeline = url.pathname.match(/^\/2\/users\/([^/]+)\/tweets$/);
    if (timeline && request.method === "GET") {
      const since = url.searchParams.get("start_time");
      const max = Math.min(100, Math.max(5, Number(url.searchParams.get("max_results") ?? 10)));
      const excludeReplies = (url.searchParams.get("exclude") ?? "").split(",").includes("replies");
      const fields = (url.searchParams.get("tweet.fields") ?? "").split(",");
      const data = this.tweets
        .filter((t) => t.authorId === timeline[1] && (!since || t.createdAt >= Date.parse(since)) && !(excludeReplies && t.inReplyTo))
        .sort((a, b) => b.createdAt - a.createdAt || (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
        .slice(0, max)
        .map((t) => ({
          id: t.id,
          text: t.text,
          created_at: new Date(t.createdAt).toISOString(),
          edit_history_tweet_ids: [t.id],
          // X gives `referenced_tweets` only when asked for, and only on tweets that reference one.
          ...(fields.includes("referenced_tweets") && t.inReplyTo ? { referenced_tweets: [{ type: "replied_to", id: t.inReplyTo }] } : {}),
        }));
      return Response.json(data.length ? { data, meta: { result_count: data.length, newest_id: data[0]!.id, oldest_id: data[data.length - 1]!.id } } : { meta: { result_count: 0 } });
    }
    const single = url.pathname.match(/^\/2\/tweets\/([^/]+)$/);
    if (single && request.method === "GET") {
      const tweet = this.tweets.find((t) => t.id === single[1]);
      if (!tweet) return Response.json({ errors: [{ value: single[1], detail: `Could not find tweet with id: [${single[1]}].`, title: "Not Found Error", resource_type: "tweet", parameter: "id", type: "https://api.twitter.com/2/problems/resource-not-found" }] });
      const fields = (url.searchParams.get("tweet.fields") ?? "").split(",");
      const { url_link_clicks, impression_count, ...open } = tweet.metrics;
      const own = tweet.authorId === user.id && this.oauth.now() - tweet.createdAt < 30 * 86400_000;
      if (fields.includes("non_public_metrics") && !own) {
        return Response.json({ errors: [{ title: "Field Authorization Error", detail: "Sorry, you are not authorized to access 'non_public_metrics' on a Tweet.", type: "https://api.twitter.com/2/problems/not-authorized-for-field" }] });
      }
      return Response.json({
        data: {
          id: tweet.id,
          text: tweet.text,
          ...(fields.includes("public_metrics") ? { public_metrics: { ...open, impression_count, bookmark_count: 0 } } : {}),
          ...(fields.includes("non_public_metrics") ? { non_public_metrics: { impression_count, url_link_clicks, user_profile_clicks: 0 } } : {}),
        },
      });
    }
    return problem(404, "Not Found Error", `No route for ${request.method} ${url.pathname}`);
  }

  private async upload(request: Request, user: User, scopes: string[]): Promise<Response> {
    if (!scopes.includes("media.write")) return problem(403, "Forbidden", "Missing scope media.write");
    if (this.faults.status5xx > 0) {
      this.faults.status5xx--;
      return problem(503, "Service Unavailable", "Service Unavailable");
    }
    const form = await request.formData().catch(() => null);
    const file = form?.get("media");
    if (!form || !(file instanceof Blob)) return problem(400, "Invalid Request", "One or more parameters to your request was invalid.", [{ message: "The `media` field is required" }]);
    const category = form.get("media_category");
    if (category !== "tweet_image" && category !== "tweet_gif") return problem(400, "Invalid Request", "One or more parameters to your request was invalid.", [{ message: `media_category ${String(category)} is not supported by this upload` }]);
    if (file.size > (category === "tweet_gif" ? 15 : 5) * 1024 * 1024) return problem(400, "Invalid Request", "One or more parameters to your request was invalid.", [{ message: "File size exceeds the limit for this media_category" }]);
    const id = String(this.nextId++);
    this.media.set(id, { owner: user.id, mime: file.type, size: file.size, alt: null });
    return Response.json({ data: { id, media_key: `3_${id}`, size: file.size, expires_after_secs: 86400, image: { image_type: file.type, w: 1, h: 1 } } });
  }

  private rateHeaders(): Record<string, string> {
    const now = this.oauth.now();
    this.posted = this.posted.filter((t) => t > now - WINDOW_MS);
    const reset = Math.ceil(((this.posted[0] ?? now) + WINDOW_MS) / 1000);
    return { "x-rate-limit-limit": "100", "x-rate-limit-remaining": String(Math.max(0, 100 - this.posted.length)), "x-rate-limit-reset": String(reset) };
  }

  private async createTweet(request: Request, user: User, scopes: string[]): Promise<Response> {
    if (!scopes.includes("tweet.write")) return problem(403, "Forbidden", "Missing scope tweet.write");
    if (this.faults.status5xx > 0) {
      this.faults.status5xx--;
      return problem(503, "Service Unavailable", "Service Unavailable", undefined, this.rateHeaders());
    }
    const headers = this.rateHeaders();
    if (this.faults.rateLimited > 0 || this.posted.length >= 100) {
      if (this.faults.rateLimited > 0) this.faults.rateLimited--;
      return problem(429, "Too Many Requests", "Too Many Requests", undefined, { ...headers, "x-rate-limit-remaining": "0" });
    }
    const body = (await request.json().catch(() => null)) as { text?: string; media?: { media_ids?: string[] }; reply?: { in_reply_to_tweet_id?: string } } | null;
    if (!body || (typeof body.text !== "string" && !body.media?.media_ids?.length)) return problem(400, "Invalid Request", "One or more parameters to your request was invalid.", [{ message: "text or media is required" }]);
    const text = body.text ?? "";
    if (weighted(text) > 280) return problem(403, "Forbidden", "You are not permitted to perform this action.", [{ message: "Tweet text is too long" }]);
    const mediaIds = body.media?.media_ids ?? [];
    if (mediaIds.length > 4 || mediaIds.some((id) => this.media.get(id)?.owner !== user.id)) return problem(400, "Invalid Request", "One or more parameters to your request was invalid.", [{ message: "Your media IDs are invalid." }]);
    // A reply must answer a tweet that exists (and is not deleted or hidden from the caller).
    const inReplyTo = body.reply?.in_reply_to_tweet_id ?? null;
    if (body.reply && (!inReplyTo || !this.tweets.some((t) => t.id === inReplyTo))) {
      return problem(400, "Invalid Request", "One or more parameters to your request was invalid.", [{ message: "The Tweet you are replying to has been deleted or is not visible to you." }]);
    }
    const stored = text.replace(/https?:\/\/\S+/g, () => `https://t.co/${Math.random().toString(36).slice(2, 12)}`);
    const recent = this.tweets.find((t) => t.authorId === user.id && t.text.replace(/https:\/\/t\.co\/\w+/g, "") === stored.replace(/https:\/\/t\.co\/\w+/g, "") && t.createdAt > this.oauth.now() - 86400_000);
    if (recent && text) return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.");
    this.posted.push(this.oauth.now());
    const tweet: Tweet = { id: String(this.nextId++), text: stored, authorId: user.id, createdAt: this.oauth.now(), mediaIds, inReplyTo, metrics: { retweet_count: 0, reply_count: 0, like_count: 0, quote_count: 0, impression_count: 0, url_link_clicks: 0 } };
    this.tweets.push(tweet);
    if (this.faults.acceptThenDrop > 0 && this.passBeforeDrop > 0) this.passBeforeDrop--;
    else if (this.faults.acceptThenDrop > 0) {
      this.faults.acceptThenDrop--;
      return dropped();
    }
    return Response.json({ data: { id: tweet.id, text: tweet.text, edit_history_tweet_ids: [tweet.id] } }, { status: 201, headers: this.rateHeaders() });
  }
}

/** twitter-text's weighting, enough for a fake: a link counts 23, code points up to U+10FF count 1, others 2. */
function weighted(text: string): number {
  let count = 0;
  for (const part of text.split(/(https?:\/\/\S+)/)) {
    if (/^https?:\/\//.test(part)) count += 23;
    else for (const ch of part.normalize("NFC")) count += ch.codePointAt(0)! <= 4351 ? 1 : 2;
  }
  return count;
}

function problem(status: number, title: string, detail: string, errors?: { message: string }[], headers: Record<string, string> = {}): Response {
  return Response.json({ title, detail, type: "about:blank", status, ...(errors ? { errors } : {}) }, { status, headers: { "content-type": "application/problem+json", ...headers } });
}

/** The one fake X of the test run, at https://api.x.com (and https://x.com for the consent page). */
export const fakeX = new FakeX();
