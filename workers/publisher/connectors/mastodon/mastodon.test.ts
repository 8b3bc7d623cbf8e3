import { generateCodeVerifier, generateState } from "arctic";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tokenClient, tokenCredentials } from "../oauth";
import type { AccountSession, OutgoingPost, PlatformError } from "../types";
import { mastodon, MEDIA_POLL } from ".";
import { mastodonOAuth } from "./oauth";
import { statusText } from "./text";

// Against the fake instance (test/fakes/mastodon.ts), reached over HTTP like a real one, with a
// token from its real flow: the app registered on the instance, then the code flow with PKCE.
const ORIGIN = "https://mastodon.test";
const REDIRECT = "https://engine.test/oauth/callback/mastodon";
const fake = (path: string, body?: unknown) => fetch(`${ORIGIN}/_fake/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
type Stored = { id: string; text: string; mediaIds: string[]; idempotencyKey: string | null; inReplyTo: string | null };
const state = async () => (await (await fake("state")).json()) as { statuses: Stored[]; media: { id: string; description: string | null }[] };

let session: AccountSession;

beforeAll(async () => {
  MEDIA_POLL.intervalMs = 10;
  const app = await mastodonOAuth.instance!.register(ORIGIN, REDIRECT, mastodonOAuth.scopes);
  const client = tokenClient(mastodonOAuth, app, REDIRECT, ORIGIN);
  const verifier = generateCodeVerifier();
  const authorize = client.authorizationUrl(generateState(), verifier);
  expect(authorize.href).toMatch(/^https:\/\/mastodon\.test\/oauth\/authorize\?.*code_challenge_method=S256/);
  const consent = await fetch(authorize, { redirect: "manual" });
  const code = new URL(consent.headers.get("location")!).searchParams.get("code")!;
  const tokens = await client.exchange(code, verifier);
  expect(tokens).toMatchObject({ refreshToken: null, accessTokenExpiresAt: null });
  const [account] = await mastodonOAuth.accounts(tokens, { serviceUrl: ORIGIN });
  expect(account).toMatchObject({ externalId: "109000000000000001", handle: "@alice@mastodon.test", serviceUrl: ORIGIN, expiresAt: null });
  session = { serviceUrl: ORIGIN, externalId: account!.externalId, handle: account!.handle, credentials: tokenCredentials(tokens), timeoutMs: 1500, async saveCredentials() {} };
});

let counter = 0;
const post = (text: string, extra: Partial<OutgoingPost> = {}): OutgoingPost => ({ text, link: null, media: [], idempotencyKey: `pub_m_${++counter}`, createdAt: new Date(Date.now() - 5000), ...extra });
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

beforeEach(async () => {
  await fake("reset", {});
});

describe("Mastodon connector", () => {
  it("posts a public status with the publication's Idempotency-Key, and links it", async () => {
    const once = post("Hello fediverse & friends <3\n\nRead https://example.com/a/very/long/path/that/gets/cut?x=1");
    const ref = await mastodon.publish(session, once);
    const [status] = (await state()).statuses;
    expect(ref).toEqual({ externalId: status!.id, url: `${ORIGIN}/@alice/${status!.id}` });
    expect(status).toMatchObject({ text: once.text, idempotencyKey: once.idempotencyKey });
    // The instance itself answers a repeat of the same key with the same status.
    expect(await mastodon.publish(session, once)).toEqual(ref);
    expect((await state()).statuses).toHaveLength(1);
  });

  it("uploads attachments through /api/v2/media, waits for processing (202, then 206 polls), with their description", async () => {
    await fake("faults", { mediaPolls: 3 });
    await mastodon.publish(session, post("With a picture", { media: [{ bytes: png, mime: "image/png", alt: "A chart of sign-ups", width: 10, height: 10 }] }));
    const { statuses, media } = await state();
    expect(statuses[0]!.mediaIds).toEqual([media[0]!.id]);
    expect(media[0]!.description).toBe("A chart of sign-ups");
  });

  it("after accept-then-drop, find() returns the one status from the account's statuses", async () => {
    const once = post("Only once https://example.com/x\nsecond line");
    expect(await mastodon.find(session, once)).toBeNull();
    await fake("faults", { acceptThenDrop: 1 });
    await expect(mastodon.publish(session, once)).rejects.toMatchObject({ kind: "unknown" });
    const found = await mastodon.find(session, once);
    const { statuses } = await state();
    expect(statuses).toHaveLength(1);
    expect(found).toEqual({ externalId: statuses[0]!.id, url: `${ORIGIN}/@alice/${statuses[0]!.id}` });
    expect(await mastodon.find(session, post("Only once"))).toBeNull();
  });

  it("publishes a 3-part thread as a chain of replies in order (in_reply_to_id), each post with its own Idempotency-Key", async () => {
    const thread = post("1/3 Fediverse news", { thread: ["2/3 More to say", "3/3 The end"], media: [{ bytes: png, mime: "image/png", alt: "A chart", width: 10, height: 10 }] });
    const ref = await mastodon.publish(session, thread);
    const { statuses } = await state();
    expect(statuses.map((s) => s.text)).toEqual(["1/3 Fediverse news", "2/3 More to say", "3/3 The end"]);
    expect(statuses.map((s) => s.inReplyTo)).toEqual([null, statuses[0]!.id, statuses[1]!.id]);
    expect(statuses.map((s) => s.mediaIds.length)).toEqual([1, 0, 0]);
    expect(statuses.map((s) => s.idempotencyKey)).toEqual([thread.idempotencyKey, `${thread.idempotencyKey}:1`, `${thread.idempotencyKey}:2`]);
    expect(ref).toEqual({ externalId: statuses[0]!.id, url: `${ORIGIN}/@alice/${statuses[0]!.id}` });
    expect(mastodon.validate(post("ok", { thread: ["z".repeat(501)] }))).toEqual([expect.stringMatching(/^post 2 of the thread: 1 over Mastodon's limit of 500/)]);
  });

  it("after accept-then-drop on post 2, find() does not call the thread done and the retry posts each part exactly once", async () => {
    const thread = post("1/3 Dropped in the middle", { thread: ["2/3 Made, answer lost", "3/3 Still to come"] });
    await fake("faults", { acceptThenDrop: 1, passBeforeDrop: 1 });
    await expect(mastodon.publish(session, thread)).rejects.toMatchObject({ kind: "unknown" });
    expect((await state()).statuses).toHaveLength(2);
    expect(await mastodon.find(session, thread)).toBeNull();
    const ref = await mastodon.publish(session, thread);
    const { statuses } = await state();
    expect(statuses.map((s) => s.text)).toEqual(["1/3 Dropped in the middle", "2/3 Made, answer lost", "3/3 Still to come"]);
    expect(statuses.map((s) => s.inReplyTo)).toEqual([null, statuses[0]!.id, statuses[1]!.id]);
    expect(await mastodon.find(session, thread)).toEqual(ref);
    // The fake refuses a reply to a status it does not hold, as Mastodon does.
    const orphan = await fetch(`${ORIGIN}/api/v1/statuses`, {
      method: "POST",
      headers: { authorization: `Bearer ${session.credentials.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ status: "to nobody", in_reply_to_id: "1" }),
    });
    expect(orphan.status).toBe(404);
  });

  it("turns a 429 into rate_limited at the instance's ISO reset, a 503 into unavailable, a bad token into auth, a refusal into its words", async () => {
    await fake("faults", { rateLimited: 1 });
    const limited = (await mastodon.publish(session, post("limited")).catch((e: unknown) => e)) as PlatformError;
    expect(limited).toMatchObject({ kind: "rate_limited", message: expect.stringContaining("Too many requests") });
    expect(limited.details.retryAt).toBeGreaterThan(Date.now() + 2 * 3600_000);
    await fake("faults", { status5xx: 1 });
    await expect(mastodon.publish(session, post("failing"))).rejects.toMatchObject({ kind: "unavailable" });
    await expect(mastodon.publish({ ...session, credentials: { accessToken: "nope" } }, post("signed out"))).rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("The access token is invalid") });
    await expect(mastodon.publish(session, post("y".repeat(501)))).rejects.toMatchObject({ kind: "rejected", message: "Mastodon refused the post: Validation failed: Text character limit of 500 exceeded" });
  });

  it("validates against Mastodon's limits before sending anything", () => {
    expect(mastodon.validate(post("z".repeat(501)))).toEqual([expect.stringContaining("over")]);
    expect(mastodon.validate(post(`${"z".repeat(470)} https://example.com/${"long/".repeat(30)}`))).toEqual([]);
  });

  it("reads favourites, boosts and replies, and says when the post is gone", async () => {
    const ref = await mastodon.publish(session, post("Counted"));
    expect(await mastodon.metrics(session, ref)).toEqual({ impressions: null, likes: 0, comments: 0, shares: 0, clicks: null });
    await fake("engage", { id: ref.externalId, favourites_count: 5, reblogs_count: 2, replies_count: 1 });
    expect(await mastodon.metrics(session, ref)).toEqual({ impressions: null, likes: 5, comments: 1, shares: 2, clicks: null });
    await fake("reset", {});
    await expect(mastodon.metrics(session, ref)).rejects.toMatchObject({ kind: "rejected" });
  });
});

describe("status text", () => {
  it("reads Mastodon's HTML back to the words that were sent", () => {
    expect(statusText('<p>Tom &amp; Jerry &lt;3</p><p>line one<br />line <a href="https://e.com/a"><span class="invisible">https://</span><span class="ellipsis">e.com/a</span><span class="invisible">bc</span></a> &#39;q&#39;</p>')).toBe(
      "Tom & Jerry <3\n\nline one\nline https://e.com/abc 'q'",
    );
  });
});
