/**
 * A fake Bluesky PDS (XRPC over HTTP) for tests, benches and the demo, following the lexicons and
 * the PDS's documented behaviour: createSession / refreshSession with JWTs that expire (access 2 h,
 * refresh 90 days), `ExpiredToken` errors, createRecord validating an `app.bsky.feed.post` (300
 * graphemes, 3000 bytes, facets inside the text, a TID record key that must be new), uploadBlob
 * (1,000,000 bytes for images), getRecord with `RecordNotFound`, resolveHandle, and the rate-limit
 * headers (`ratelimit-limit`, `-remaining`, `-reset`, `-policy`): createSession 30 per 5 minutes,
 * writes 5,000 points per hour (a create costs 3).
 *
 * Faults, switched by POST /_fake/faults on the fake's host: `status5xx` (the next N writes fail
 * with 502 and are not applied), `rateLimited` (the next N writes get 429), `acceptThenDrop` (the
 * next N createRecord calls are applied, then the connection hangs so the client times out; after
 * `passBeforeDrop` calls that go through normally),
 * `slowMs` (every answer is delayed). POST /_fake/clock {advanceMs} moves the fake's clock (tokens
 * expire); POST /_fake/reset clears it; GET /_fake/state shows the records (a reply's `value.reply`
 * holds its root and parent, which must exist) and sessions opened.
 */
import { SignJWT, decodeJwt } from "jose";

type Account = { did: string; handle: string; password: string };
type Engagement = { likeCount: number; repostCount: number; replyCount: number; quoteCount: number };
type StoredRecord = { uri: string; cid: string; value: Record<string, unknown>; collection: string; rkey: string; repo: string; receivedAt: number; engagement: Engagement };
/**
 * Counters fail the next N calls; `rates` fail each call with that probability (the benchmarks'
 * steady faults). A rate-limited call by rate is Bluesky's short burst limit (reset in 5 s), not
 * the account's hourly budget.
 */
type FaultRates = { status5xx?: number; rateLimited?: number; acceptThenDrop?: number };
/** `passBeforeDrop`: how many createRecord calls go through normally before `acceptThenDrop` hits (a thread's later post). */
type Faults = { status5xx: number; rateLimited: number; acceptThenDrop: number; passBeforeDrop: number; slowMs: number; rates: FaultRates };

const KEY = new TextEncoder().encode("fake-pds-signing-key-not-a-secret");
const TID = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;

export class FakeBluesky {
  accounts: Account[] = [{ did: "did:plc:fakealice0000000000000", handle: "alice.bsky.test", password: "app-pass-word-1234" }];
  records = new Map<string, StoredRecord>();
  blobs = new Map<string, { mimeType: string; size: number }>();
  sessionsCreated = 0;
  faults: Faults = { status5xx: 0, rateLimited: 0, acceptThenDrop: 0, passBeforeDrop: 0, slowMs: 0, rates: {} };
  /** Overrides the clock, so tests can expire tokens without waiting. */
  now = () => Date.now();
  /** Write points spent per account (DID) in its current hour: Bluesky's limits are per account. */
  private writes = new Map<string, { points: number; windowStart: number }>();

  reset() {
    this.records.clear();
    this.blobs.clear();
    this.sessionsCreated = 0;
    this.faults = { status5xx: 0, rateLimited: 0, acceptThenDrop: 0, passBeforeDrop: 0, slowMs: 0, rates: {} };
    this.writes.clear();
    this.now = () => Date.now();
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (this.faults.slowMs) await new Promise((resolve) => setTimeout(resolve, this.faults.slowMs));
    if (url.pathname === "/_fake/faults") {
      Object.assign(this.faults, await request.json());
      return Response.json(this.faults);
    }
    if (url.pathname === "/_fake/clock") {
      const { advanceMs } = (await request.json()) as { advanceMs: number };
      const offset = this.now() - Date.now() + advanceMs;
      this.now = () => Date.now() + offset;
      return Response.json({ now: this.now() });
    }
    if (url.pathname === "/_fake/engage") {
      // People reacting to a post: sets its counters as the AppView would report them.
      const { uri, ...counts } = (await request.json()) as { uri: string } & Partial<Engagement>;
      const record = [...this.records.values()].find((r) => r.uri === uri);
      if (!record) return xrpcError(404, "NotFound", "no such record");
      Object.assign(record.engagement, counts);
      return Response.json(record.engagement);
    }
    if (url.pathname === "/_fake/reset") {
      this.reset();
      return Response.json({ ok: true });
    }
    if (url.pathname === "/_fake/state") return Response.json({ records: [...this.records.values()], sessionsCreated: this.sessionsCreated });
    const method = url.pathname.replace(/^\/xrpc\//, "");
    switch (method) {
      case "com.atproto.server.createSession":
        return this.createSession(request);
      case "com.atproto.server.refreshSession":
        return this.refreshSession(request);
      case "com.atproto.identity.resolveHandle": {
        const account = this.accounts.find((a) => a.handle === url.searchParams.get("handle"));
        return account ? Response.json({ did: account.did }) : xrpcError(400, "InvalidRequest", "Unable to resolve handle");
      }
      case "com.atproto.repo.getRecord": {
        const record = this.records.get(`${url.searchParams.get("repo")}/${url.searchParams.get("collection")}/${url.searchParams.get("rkey")}`);
        return record ? Response.json({ uri: record.uri, cid: record.cid, value: record.value }) : xrpcError(400, "RecordNotFound", "Could not locate record");
      }
      case "app.bsky.feed.getPosts": {
        // Through the PDS, which proxies it to the AppView: needs the session. At most 25 URIs.
        const claims = this.bearer(request, "com.atproto.access");
        if (claims instanceof Response) return claims;
        const uris = url.searchParams.getAll("uris");
        if (uris.length > 25) return xrpcError(400, "InvalidRequest", "uris must not have more than 25 elements");
        const posts = uris.flatMap((uri) => {
          const record = [...this.records.values()].find((r) => r.uri === uri);
          return record ? [{ uri, cid: record.cid, author: { did: record.repo }, record: record.value, indexedAt: new Date(record.receivedAt).toISOString(), ...record.engagement }] : [];
        });
        return Response.json({ posts });
      }
      case "com.atproto.repo.uploadBlob":
        return this.uploadBlob(request);
      case "com.atproto.repo.createRecord":
        return this.createRecord(request);
      default:
        return xrpcError(501, "MethodNotImplemented", `Method Not Implemented: ${method}`);
    }
  }

  private async tokens(account: Account) {
    const now = Math.floor(this.now() / 1000);
    const sign = (scope: string, seconds: number) =>
      new SignJWT({ scope }).setProtectedHeader({ alg: "HS256" }).setSubject(account.did).setIssuedAt(now).setExpirationTime(now + seconds).setJti(crypto.randomUUID()).sign(KEY);
    return { did: account.did, handle: account.handle, accessJwt: await sign("com.atproto.access", 2 * 3600), refreshJwt: await sign("com.atproto.refresh", 90 * 86400), active: true };
  }

  private async createSession(request: Request) {
    const { identifier, password } = (await request.json()) as { identifier?: string; password?: string };
    this.sessionsCreated++;
    const account = this.accounts.find((a) => a.handle === identifier || a.did === identifier);
    if (!account || account.password !== password) return xrpcError(401, "AuthenticationRequired", "Invalid identifier or password");
    return Response.json(await this.tokens(account));
  }

  private async refreshSession(request: Request) {
    const claims = this.bearer(request, "com.atproto.refresh");
    if (claims instanceof Response) return claims;
    return Response.json(await this.tokens(this.accounts.find((a) => a.did === claims.sub)!));
  }

  /** The caller's token, or the PDS's error answer for a missing, invalid or expired one. */
  private bearer(request: Request, scope: string): { sub: string } | Response {
    const token = request.headers.get("authorization")?.match(/^Bearer (.+)$/)?.[1];
    if (!token) return xrpcError(401, "AuthenticationRequired", "Authentication Required");
    let claims;
    try {
      claims = decodeJwt(token);
    } catch {
      return xrpcError(400, "InvalidToken", "Malformed token");
    }
    if (claims.scope !== scope || !this.accounts.some((a) => a.did === claims.sub)) return xrpcError(400, "InvalidToken", "Bad token scope");
    if ((claims.exp ?? 0) * 1000 <= this.now()) return xrpcError(400, "ExpiredToken", "Token has expired");
    return { sub: claims.sub! };
  }

  /** Write points per hour, as the PDS counts them; a 429 carries the reset time. */
  private roll(fault: keyof FaultRates): boolean {
    const rate = this.faults.rates[fault] ?? 0;
    return rate > 0 && Math.random() < rate;
  }

  private spend(did: string, points: number): Response | null {
    const hour = 3600_000;
    let spent = this.writes.get(did);
    if (!spent || this.now() - spent.windowStart >= hour) this.writes.set(did, (spent = { points: 0, windowStart: this.now() }));
    const reset = Math.ceil((spent.windowStart + hour) / 1000);
    if (this.faults.rateLimited > 0 || spent.points + points > 5000) {
      if (this.faults.rateLimited > 0) this.faults.rateLimited--;
      return xrpcError(429, "RateLimitExceeded", "Rate Limit Exceeded", { "ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": String(reset), "ratelimit-policy": "5000;w=3600" });
    }
    spent.points += points;
    return null;
  }

  private async uploadBlob(request: Request) {
    const claims = this.bearer(request, "com.atproto.access");
    if (claims instanceof Response) return claims;
    const bytes = new Uint8Array(await request.arrayBuffer());
    const mimeType = request.headers.get("content-type") ?? "application/octet-stream";
    if (bytes.byteLength > 1_000_000 && mimeType.startsWith("image/")) return xrpcError(400, "BlobTooLarge", "This file is too large. It is 1.2MB but the maximum size is 1MB.");
    const link = `bafkrei${Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex").slice(0, 52)}`;
    this.blobs.set(link, { mimeType, size: bytes.byteLength });
    return Response.json({ blob: { $type: "blob", ref: { $link: link }, mimeType, size: bytes.byteLength } });
  }

  /**
   * A reply names the thread's first post (`root`) and the post it answers (`parent`), each as a
   * strongRef (uri and cid): both must be records this PDS holds, with that cid, and the root must be
   * the parent's own root (or the parent, when the parent starts the thread).
   */
  private replyProblem(reply: unknown): string | null {
    if (reply === undefined) return null;
    const refs = reply as { root?: { uri?: string; cid?: string }; parent?: { uri?: string; cid?: string } };
    const held = (ref: { uri?: string; cid?: string } | undefined) => [...this.records.values()].find((r) => r.uri === ref?.uri && r.cid === ref?.cid);
    const root = held(refs.root);
    const parent = held(refs.parent);
    if (!root) return "Record/reply/root must be the strongRef (uri, cid) of an existing post";
    if (!parent) return "Record/reply/parent must be the strongRef (uri, cid) of an existing post";
    const parentRoot = (parent.value.reply as { root?: { uri?: string } } | undefined)?.root?.uri ?? parent.uri;
    if (parentRoot !== root.uri) return "Record/reply/root must be the root of the parent's thread";
    return null;
  }

  private async createRecord(request: Request) {
    const claims = this.bearer(request, "com.atproto.access");
    if (claims instanceof Response) return claims;
    if (this.faults.status5xx > 0 || this.roll("status5xx")) {
      if (this.faults.status5xx > 0) this.faults.status5xx--;
      return xrpcError(502, "UpstreamFailure", "Upstream Failure");
    }
    if (this.roll("rateLimited")) {
      return xrpcError(429, "RateLimitExceeded", "Rate Limit Exceeded", { "ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": String(Math.ceil((this.now() + 5_000) / 1000)), "ratelimit-policy": "3000;w=300" });
    }
    const limited = this.spend(claims.sub, 3);
    if (limited) return limited;
    const body = (await request.json()) as { repo?: string; collection?: string; rkey?: string; record?: Record<string, unknown> };
    if (body.repo !== claims.sub) return xrpcError(400, "InvalidRequest", "Invalid repo: does not match the session");
    if (body.collection !== "app.bsky.feed.post") return xrpcError(400, "InvalidRequest", `Unsupported collection ${body.collection}`);
    const record = body.record ?? {};
    const problem = postProblem(record);
    if (problem) return xrpcError(400, "InvalidRequest", `Invalid app.bsky.feed.post record: ${problem}`);
    const rkey = body.rkey ?? tidNow(this.now());
    if (!TID.test(rkey)) return xrpcError(400, "InvalidRequest", "Invalid record key: must be a TID");
    const key = `${body.repo}/${body.collection}/${rkey}`;
    if (this.records.has(key)) return xrpcError(400, "InvalidRequest", "Record already exists at this key");
    const replyProblem = this.replyProblem(record.reply);
    if (replyProblem) return xrpcError(400, "InvalidRequest", `Invalid app.bsky.feed.post record: ${replyProblem}`);
    const external = (record.embed as { $type?: string; external?: { uri?: unknown; title?: unknown; description?: unknown; thumb?: { ref: { $link: string } } } } | undefined)?.external;
    if (external) {
      // app.bsky.embed.external: uri, title and description required; the thumb an uploaded blob.
      if (typeof external.uri !== "string" || !URL.canParse(external.uri)) return xrpcError(400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/embed/external/uri must be a valid uri");
      if (typeof external.title !== "string" || typeof external.description !== "string") return xrpcError(400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/embed/external must have the properties \"title\" and \"description\"");
      if (external.thumb && !this.blobs.has(external.thumb.ref.$link)) return xrpcError(400, "InvalidRequest", "Could not find blob");
    }
    for (const image of ((record.embed as { images?: { image: { ref: { $link: string } } }[] } | undefined)?.images ?? [])) {
      if (!this.blobs.has(image.image.ref.$link)) return xrpcError(400, "InvalidRequest", "Could not find blob");
    }
    const stored = { uri: `at://${body.repo}/${body.collection}/${rkey}`, cid: `bafyrei${rkey}`, value: record, collection: body.collection, rkey, repo: body.repo, receivedAt: Date.now(), engagement: { likeCount: 0, repostCount: 0, replyCount: 0, quoteCount: 0 } };
    this.records.set(key, stored);
    const passes = this.faults.acceptThenDrop > 0 && this.faults.passBeforeDrop > 0;
    if (passes) this.faults.passBeforeDrop--;
    else if (this.faults.acceptThenDrop > 0 || this.roll("acceptThenDrop")) {
      if (this.faults.acceptThenDrop > 0) this.faults.acceptThenDrop--;
      // The post exists; the answer never arrives (the client's deadline ends the wait).
      return new Promise<Response>(() => undefined);
    }
    return Response.json({ uri: stored.uri, cid: stored.cid, commit: { cid: `bafyreicommit${rkey}`, rev: rkey }, validationStatus: "valid" });
  }
}

function postProblem(record: Record<string, unknown>): string | null {
  if (record.$type !== "app.bsky.feed.post") return "Record/$type must be app.bsky.feed.post";
  if (typeof record.text !== "string") return "Record/text must be a string";
  if (typeof record.createdAt !== "string" || Number.isNaN(Date.parse(record.createdAt))) return "Record/createdAt must be a valid datetime";
  const graphemes = [...new Intl.Segmenter("en", { granularity: "grapheme" }).segment(record.text)].length;
  if (graphemes > 300) return "Record/text must not be longer than 300 graphemes";
  const bytes = new TextEncoder().encode(record.text).byteLength;
  if (bytes > 3000) return "Record/text must not be longer than 3000 characters";
  for (const facet of (record.facets as { index: { byteStart: number; byteEnd: number } }[] | undefined) ?? []) {
    if (facet.index.byteStart < 0 || facet.index.byteEnd > bytes || facet.index.byteStart >= facet.index.byteEnd) return "Record/facets: byte range out of the text";
  }
  return null;
}

function tidNow(ms: number): string {
  const alphabet = "234567abcdefghijklmnopqrstuvwxyz";
  let value = (BigInt(ms) * 1000n) << 10n;
  let out = "";
  for (let i = 0; i < 13; i++) {
    out = alphabet[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

function xrpcError(status: number, error: string, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error, message }, { status, headers });
}

/** The one fake PDS of the test run, at https://pds.bsky.test. */
export const fakeBluesky = new FakeBluesky();
