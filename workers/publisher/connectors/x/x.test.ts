import { generateCodeVerifier, generateState } from "arctic";
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { seal } from "../../../../lib/crypto/sealed";
import { credentialsSeal, publishPublication } from "../../publish";
import { operatorClient, tokenClient, tokenCredentials } from "../oauth";
import type { AccountSession, OutgoingPost, PlatformError } from "../types";
import { x } from ".";
import { xOAuth } from "./oauth";

// Against the fake X (test/fakes/x.ts), reached over HTTP like the real one, with tokens from its
// real OAuth flow (PKCE, code exchange). One file for everything that posts to the fake X, so no
// other file's faults or resets land in the middle of a test.
const fake = (path: string, body?: unknown) => fetch(`https://api.x.com/_fake/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
type Stored = { id: string; text: string; mediaIds: string[]; inReplyTo: string | null };
const state = async () => (await (await fake("state")).json()) as { tweets: Stored[]; media: [string, { alt: string | null }][] };
const REDIRECT = "https://engine.test/oauth/callback/x";

async function account(): Promise<AccountSession> {
  const client = tokenClient(xOAuth, operatorClient(env, xOAuth)!, REDIRECT, null);
  const verifier = generateCodeVerifier();
  const consent = await fetch(client.authorizationUrl(generateState(), verifier), { redirect: "manual" });
  const code = new URL(consent.headers.get("location")!).searchParams.get("code")!;
  const tokens = await client.exchange(code, verifier);
  const [connectable] = await xOAuth.accounts(tokens);
  return {
    serviceUrl: connectable!.serviceUrl,
    externalId: connectable!.externalId,
    handle: connectable!.handle,
    credentials: tokenCredentials(tokens),
    timeoutMs: 1500,
    async saveCredentials() {},
  };
}

let counter = 0;
const post = (text: string, extra: Partial<OutgoingPost> = {}): OutgoingPost => ({ text, link: null, media: [], idempotencyKey: `pub_x_${++counter}`, createdAt: new Date(Date.now() - 5000), ...extra });
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

beforeEach(async () => {
  await fake("reset", {});
});

describe("X connector", () => {
  it("connects as the user the tokens belong to", async () => {
    const session = await account();
    expect(session).toMatchObject({ externalId: "1700000000000000001", handle: "alice_x", serviceUrl: "https://api.x.com" });
  });

  it("posts a tweet and links it", async () => {
    const session = await account();
    const ref = await x.publish(session, post("Hello from the engine https://example.com/launch?utm=1"));
    const [tweet] = (await state()).tweets;
    expect(ref).toEqual({ externalId: tweet!.id, url: `https://x.com/alice_x/status/${tweet!.id}` });
    expect(tweet!.text).toMatch(/^Hello from the engine https:\/\/t\.co\/\w+$/);
  });

  it("uploads images through the v2 media upload with their alt text, and attaches them", async () => {
    const session = await account();
    await x.publish(session, post("With a chart", { media: [{ bytes: png, mime: "image/png", alt: "Sign-ups per week", width: 10, height: 10 }] }));
    const { tweets, media } = await state();
    expect(tweets[0]!.mediaIds).toHaveLength(1);
    expect(media).toEqual([[tweets[0]!.mediaIds[0], expect.objectContaining({ alt: "Sign-ups per week", mime: "image/png" })]]);
  });

  it("validates against X's limits before sending anything", () => {
    expect(x.validate(post("a".repeat(281)))).toEqual([expect.stringContaining("over")]);
    expect(x.validate(post(`${"a".repeat(250)} https://example.com/${"long/".repeat(40)}`))).toEqual([]);
    expect(x.validate(post("clip", { media: [{ bytes: png, mime: "video/mp4", alt: "", width: null, height: null }] }))).toContain("Video posts to X are not supported yet; attach images");
  });

  it("after accept-then-drop, find() returns the one tweet, and a second publish makes none", async () => {
    const session = await account();
    const once = post("Only once, even when the answer is lost https://example.com/a");
    expect(await x.find(session, once)).toBeNull();
    await fake("faults", { acceptThenDrop: 1 });
    await expect(x.publish(session, once)).rejects.toMatchObject({ kind: "unknown" });
    const found = await x.find(session, once);
    const { tweets } = await state();
    expect(tweets).toHaveLength(1);
    expect(found).toEqual({ externalId: tweets[0]!.id, url: `https://x.com/alice_x/status/${tweets[0]!.id}` });
    // Publishing again anyway: X refuses the duplicate, and the connector answers with the first.
    expect(await x.publish(session, once)).toEqual(found);
    expect((await state()).tweets).toHaveLength(1);
    // Another publication with other words is not mistaken for it.
    expect(await x.find(session, post("Something else"))).toBeNull();
  });

  it("publishes a 3-part thread as a chain of replies in order, the media on the first post only", async () => {
    const session = await account();
    const ref = await x.publish(session, post("1/3 Tram news", { thread: ["2/3 Twelve stations", "3/3 Opening Monday"], media: [{ bytes: png, mime: "image/png", alt: "A tram", width: 10, height: 10 }] }));
    const { tweets } = await state();
    expect(tweets.map((t) => t.text)).toEqual(["1/3 Tram news", "2/3 Twelve stations", "3/3 Opening Monday"]);
    expect(tweets.map((t) => t.inReplyTo)).toEqual([null, tweets[0]!.id, tweets[1]!.id]);
    expect(tweets.map((t) => t.mediaIds.length)).toEqual([1, 0, 0]);
    expect(ref).toEqual({ externalId: tweets[0]!.id, url: `https://x.com/alice_x/status/${tweets[0]!.id}` });
    expect(x.validate(post("ok", { thread: ["漢".repeat(141)] }))).toEqual([expect.stringMatching(/^post 2 of the thread: 2 over X's limit of 280/)]);
  });

  it("after accept-then-drop on post 2, find() does not call the thread done and the retry posts each part exactly once", async () => {
    const session = await account();
    const thread = post("1/3 Lost answer", { thread: ["2/3 Made but unheard", "3/3 Still to come"] });
    await fake("faults", { acceptThenDrop: 1, passBeforeDrop: 1 });
    await expect(x.publish(session, thread)).rejects.toMatchObject({ kind: "unknown" });
    expect((await state()).tweets).toHaveLength(2);
    expect(await x.find(session, thread)).toBeNull();
    const ref = await x.publish(session, thread);
    const { tweets } = await state();
    expect(tweets.map((t) => t.text)).toEqual(["1/3 Lost answer", "2/3 Made but unheard", "3/3 Still to come"]);
    expect(tweets.map((t) => t.inReplyTo)).toEqual([null, tweets[0]!.id, tweets[1]!.id]);
    expect(ref.externalId).toBe(tweets[0]!.id);
    expect(await x.find(session, thread)).toEqual(ref);
    // The fake refuses a reply to a tweet that does not exist, as X does.
    const orphan = await fetch("https://api.x.com/2/tweets", {
      method: "POST",
      headers: { authorization: `Bearer ${session.credentials.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "to nobody", reply: { in_reply_to_tweet_id: "1" } }),
    });
    expect(orphan.status).toBe(400);
  });

  it("turns a 429 into rate_limited with X's reset time, a 503 into unavailable, a dead token into auth", async () => {
    const session = await account();
    await fake("faults", { rateLimited: 1 });
    const limited = (await x.publish(session, post("limited")).catch((e: unknown) => e)) as PlatformError;
    expect(limited).toMatchObject({ kind: "rate_limited", message: expect.stringContaining("Too Many Requests") });
    expect(limited.details.retryAt).toBeGreaterThan(Date.now());
    expect(limited.details.retryAt).toBeLessThanOrEqual(Date.now() + 15 * 60_000 + 1000);
    await fake("faults", { status5xx: 1 });
    await expect(x.publish(session, post("failing"))).rejects.toMatchObject({ kind: "unavailable", message: expect.stringContaining("Service Unavailable") });
    await expect(x.publish({ ...session, credentials: { ...session.credentials, accessToken: "revoked" } }, post("signed out"))).rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("Unauthorized") });
  });

  it("keeps X's own words when it refuses a post", async () => {
    const session = await account();
    // Over the limit by X's own count (the validator would stop this before any real attempt).
    await expect(x.publish(session, post("b".repeat(300)))).rejects.toMatchObject({ kind: "rejected", message: "X refused the post: You are not permitted to perform this action.; Tweet text is too long" });
  });

  it("reads likes, replies, reposts with quotes, impressions and link clicks", async () => {
    const session = await account();
    const ref = await x.publish(session, post("Counted"));
    expect(await x.metrics(session, ref)).toEqual({ impressions: 0, likes: 0, comments: 0, shares: 0, clicks: 0 });
    await fake("engage", { id: ref.externalId, like_count: 7, reply_count: 2, retweet_count: 3, quote_count: 1, impression_count: 420, url_link_clicks: 9 });
    expect(await x.metrics(session, ref)).toEqual({ impressions: 420, likes: 7, comments: 2, shares: 4, clicks: 9 });
    // After 30 days X no longer gives the private figures: public ones still come. (The tweet is
    // aged rather than the fake's clock moved: other test files share the fake.)
    await fake("engage", { id: ref.externalId, ageMs: 31 * 86400_000 });
    expect(await x.metrics(session, ref)).toEqual({ impressions: 420, likes: 7, comments: 2, shares: 4, clicks: null });
  });
});

// An X account's publications through the real publishing path (publish.ts: claim, look first,
// rate limiter, record).
const tweetsNow = async () => ((await (await fake("state")).json()) as { tweets: { id: string; text: string }[] }).tweets;
const WS = "ws_x";
const ACCOUNT = "acc_x";
const fast = { timeoutMs: 1000, random: () => 0 };

describe("publishing to X through publish.ts", () => {
  beforeAll(async () => {
    const client = tokenClient(xOAuth, operatorClient(env, xOAuth)!, "https://engine.test/oauth/callback/x", null);
    const verifier = generateCodeVerifier();
    const consent = await fetch(client.authorizationUrl(generateState(), verifier), { redirect: "manual" });
    const tokens = await client.exchange(new URL(consent.headers.get("location")!).searchParams.get("code")!, verifier);
    const [account] = await xOAuth.accounts(tokens);
    await env.DB.batch([
      env.DB.prepare("INSERT INTO users (id, email, name, password_hash) VALUES ('usr_x', 'x@example.com', 'X', 'x')"),
      env.DB.prepare("INSERT INTO workspaces (id, name) VALUES (?, 'X desk')").bind(WS),
      env.DB.prepare("INSERT INTO memberships (workspace_id, user_id, role) VALUES (?, 'usr_x', 'owner')").bind(WS),
      env.DB.prepare("INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, ?, 'x', ?, ?, ?, ?)").bind(
        ACCOUNT,
        WS,
        account!.externalId,
        account!.handle,
        account!.serviceUrl,
        await seal(credentialsSeal(env, ACCOUNT), JSON.stringify(tokenCredentials(tokens))),
      ),
    ]);
  });

  let seq = 0;
  async function publication(text: string, thread: string[] = []): Promise<string> {
    const n = ++seq;
    await env.DB.batch([
      env.DB.prepare("INSERT INTO content (id, workspace_id, kind, title, status, author_id, updated_at) VALUES (?, ?, 'post', ?, 'scheduled', 'usr_x', ?)").bind(`cnt_x${n}`, WS, `Post ${n}`, Date.now()),
      env.DB.prepare("INSERT INTO content_variants (id, workspace_id, content_id, platform, text, thread) VALUES (?, ?, ?, 'x', ?, ?)").bind(`var_x${n}`, WS, `cnt_x${n}`, text, JSON.stringify(thread)),
      env.DB.prepare(
        "INSERT INTO publications (id, workspace_id, content_id, variant_id, account_id, scheduled_at, scheduled_zone, idempotency_key, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'UTC', ?, ?)",
      ).bind(`pub_x${n}`, WS, `cnt_x${n}`, `var_x${n}`, ACCOUNT, Date.now() - 1000, `idem_x${n}_${crypto.randomUUID()}`, Date.now()),
    ]);
    return `pub_x${n}`;
  }
  const row = (id: string) => env.DB.prepare("SELECT status, attempts, external_id, external_url, last_error, waiting_until FROM publications WHERE id = ?").bind(id).first<Record<string, string | number | null>>();


    it("publishes and records the tweet's id and link", async () => {
      const id = await publication("Out through the scheduler");
      expect(await publishPublication(env, id, fast)).toEqual({ status: "published" });
      const [tweet] = await tweetsNow();
      expect(await row(id)).toMatchObject({ status: "published", external_id: tweet!.id, external_url: `https://x.com/alice_x/status/${tweet!.id}` });
    });

    it("after accept-then-drop, the next attempt finds the tweet instead of posting again: exactly one", async () => {
      const id = await publication("Exactly once on X");
      await fake("faults", { acceptThenDrop: 1 });
      expect(await publishPublication(env, id, fast)).toMatchObject({ status: "retry" });
      expect(await row(id)).toMatchObject({ status: "unknown" });
      expect(await publishPublication(env, id, fast)).toEqual({ status: "published" });
      const list = await tweetsNow();
      expect(list).toHaveLength(1);
      expect((await row(id))!.external_id).toBe(list[0]!.id);
    });

    it("publishes a thread after a lost answer on post 2: the retry posts post 3 only, and the publication is the first post", async () => {
      const id = await publication("1/3 Thread through the scheduler", ["2/3 The middle", "3/3 The end"]);
      await fake("faults", { acceptThenDrop: 1, passBeforeDrop: 1 });
      expect(await publishPublication(env, id, fast)).toMatchObject({ status: "retry" });
      expect((await tweetsNow()).map((t) => t.text)).toEqual(["1/3 Thread through the scheduler", "2/3 The middle"]);
      expect(await publishPublication(env, id, fast)).toEqual({ status: "published" });
      const { tweets } = await state();
      expect(tweets.map((t) => t.text)).toEqual(["1/3 Thread through the scheduler", "2/3 The middle", "3/3 The end"]);
      expect(tweets.map((t) => t.inReplyTo)).toEqual([null, tweets[0]!.id, tweets[1]!.id]);
      expect(await row(id)).toMatchObject({ status: "published", external_id: tweets[0]!.id, external_url: `https://x.com/alice_x/status/${tweets[0]!.id}` });
      // Against X's posting limits the thread counts as its three posts, reserved by each attempt.
      const spent = await runInDurableObject(env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`x:${ACCOUNT}`)), (_, state) =>
        state.storage.sql.exec<{ cost: number }>("SELECT cost FROM spent ORDER BY at DESC LIMIT 1").one().cost,
      );
      expect(spent).toBe(3);
    });

    it("refuses a thread on a variant whose platform has no threads, posting nothing", async () => {
      const id = await publication("One post", ["and a reply"]);
      // Written around the API (which refuses this with a 422): the publisher still will not send it.
      await env.DB.prepare("UPDATE content_variants SET platform = 'linkedin' WHERE id = (SELECT variant_id FROM publications WHERE id = ?)").bind(id).run();
      expect(await publishPublication(env, id, fast)).toEqual({ status: "failed" });
      expect(await row(id)).toMatchObject({ status: "failed", last_error: "LinkedIn has no threads: this variant's 1 later posts cannot be published there" });
      expect(await tweetsNow()).toEqual([]);
    });

    it("waits for X's rate-limit reset without using an attempt", async () => {
      const id = await publication("Limited");
      await fake("faults", { rateLimited: 1 });
      const outcome = await publishPublication(env, id, fast);
      expect(outcome).toMatchObject({ status: "waiting" });
      expect(await row(id)).toMatchObject({ status: "waiting", attempts: 0, last_error: expect.stringContaining("Too Many Requests") });
    });
});
