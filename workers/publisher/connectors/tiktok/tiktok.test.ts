import { beforeEach, describe, expect, it } from "vitest";
import { PlatformError, type AccountSession, type OutgoingPost } from "../types";
import { tiktok, tiktokTiming } from ".";
import { TIKTOK_API } from "./api";
import { tiktokOAuth } from "./oauth";

// Against the fake TikTok (test/fakes/tiktok.ts), reached over HTTP like the real open.tiktokapis.com.
const fake = (path: string, body?: unknown) => fetch(`${TIKTOK_API}/_fake/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
type Stored = { id: string; kind: string; caption: string; privacy: string; size: number; chunks: number; received: number; postId: string | null; photos: string[] };
const state = async () => (await (await fake("state")).json()) as { publishes: Stored[]; posts: Stored[] };

const account = (accessToken = "act.fake-alice", extra: Record<string, string> = {}): AccountSession => ({
  serviceUrl: TIKTOK_API,
  externalId: "-000fakeOpenIdAlice",
  handle: "alice.bakes",
  credentials: { accessToken, refreshToken: "rft.x", refreshTokenExpiresAt: "2027-05-20T00:00:00.000Z", ...extra },
  timeoutMs: 1500,
  async saveCredentials() {},
});

let counter = 0;
const video = (size = 1000) => ({ bytes: new Uint8Array(size).map((_, i) => i % 251), mime: "video/mp4", alt: "", width: 1080, height: 1920 });
const photo = (name: string) => ({ bytes: new Uint8Array([0xff, 0xd8, 0xff, 1]), mime: "image/jpeg", alt: name, width: 1080, height: 1440, publicUrl: `https://media.example/${name}.jpg?sig=abc` });
let notes: (string | null)[];
const post = (text: string, extra: Partial<OutgoingPost> = {}): OutgoingPost => ({
  text,
  link: null,
  media: [video()],
  idempotencyKey: `pub_tt_${++counter}`,
  createdAt: new Date(Date.now() - 60_000),
  notePending: async (value) => void notes.push(value),
  ...extra,
});

beforeEach(async () => {
  notes = [];
  Object.assign(tiktokTiming, { singleChunkMaxBytes: 64 * 1024 * 1024, chunkBytes: 64 * 1024 * 1024, firstPollMs: 5, maxPollMs: 20, maxWaitMs: 500 });
  await fake("reset", {});
});

describe("TikTok connector", () => {
  it("asks for the creator's settings, uploads the video, and is published only at PUBLISH_COMPLETE, with the int64 id intact", async () => {
    await fake("faults", { processingPolls: 3 });
    const ref = await tiktok.publish(account(), post("Sourdough in 30 seconds #baking"));
    const [stored] = (await state()).publishes;
    expect(stored).toMatchObject({ kind: "video", caption: "Sourdough in 30 seconds #baking", privacy: "PUBLIC_TO_EVERYONE", size: 1000, received: 1000, chunks: 1 });
    // 19 digits: beyond JSON's safe integers, so it must not have been read as a number.
    expect(stored!.postId).toMatch(/^73\d{17}$/);
    expect(ref).toEqual({ externalId: stored!.postId, url: `https://www.tiktok.com/@alice.bakes/video/${stored!.postId}` });
    // The publish id was noted with the publication while TikTok processed the post, and forgotten once it was done.
    expect(notes).toEqual([stored!.id, null]);
  });

  it("sends a large video in chunks by TikTok's rules, the last taking the remainder", async () => {
    Object.assign(tiktokTiming, { singleChunkMaxBytes: 500, chunkBytes: 400 });
    await fake("faults", { minChunkBytes: 100 });
    await tiktok.publish(account(), post("Chunked", { media: [video(1000)] }));
    expect((await state()).publishes[0]).toMatchObject({ size: 1000, chunks: 2, received: 1000 });
  });

  it("posts photos by their public addresses, to the audience the creator allows (only SELF_ONLY for an unaudited app)", async () => {
    await fake("faults", { privacyOptions: ["SELF_ONLY"] });
    const ref = await tiktok.publish(account(), post("Our loaves", { media: [photo("a"), photo("b")] }));
    const [stored] = (await state()).publishes;
    expect(stored).toMatchObject({ kind: "photo", privacy: "SELF_ONLY", photos: ["https://media.example/a.jpg?sig=abc", "https://media.example/b.jpg?sig=abc"] });
    // A post only its creator sees has no public id: the publish id stands for it.
    expect(ref).toEqual({ externalId: stored!.id, url: "https://www.tiktok.com/@alice.bakes" });
  });

  it("refuses the post with TikTok's reason when processing ends FAILED", async () => {
    await fake("faults", { failNext: 1 });
    await expect(tiktok.publish(account(), post("Bad file"))).rejects.toMatchObject({ kind: "rejected", message: expect.stringContaining("(file_format_check_failed)") });
    expect(notes.at(-1)).toBeNull();
  });

  it("after the final chunk's answer is lost, follows the publish id to the one post; find() agrees", async () => {
    const once = post("Only once on TikTok");
    await fake("faults", { acceptThenDrop: 1 });
    const ref = await tiktok.publish(account(), once);
    const { posts } = await state();
    expect(posts).toHaveLength(1);
    expect(ref.externalId).toBe(posts[0]!.postId);
    expect(await tiktok.find(account(), once)).toEqual({ externalId: ref.externalId, url: ref.url });
    expect(await tiktok.find(account(), post("Never posted"))).toBeNull();
  });

  it("while moderation outlasts the wait, the outcome is `unknown` and find() keeps saying so until the post is there: never a second post", async () => {
    Object.assign(tiktokTiming, { maxWaitMs: 10 });
    await fake("faults", { processingPolls: 4 });
    // As publish.ts would: the note is kept with the publication, and each attempt's post is built afresh with it.
    let kept: string | null = null;
    const attempt = () => post("Slow moderation", { idempotencyKey: "pub_tt_slow", pending: kept, notePending: async (value) => void (kept = value) });
    await expect(tiktok.publish(account(), attempt())).rejects.toMatchObject({ kind: "unknown" });
    expect(kept).toMatch(/^v_pub_file~/);
    let found = null;
    for (let i = 0; i < 6 && !found; i++) found = await tiktok.find(account(), attempt()).catch((e: PlatformError) => (e.kind === "unknown" ? null : Promise.reject(e)));
    expect(found).toMatchObject({ externalId: expect.stringMatching(/^73/) });
    expect((await state()).publishes).toHaveLength(1);
    expect(kept).toBeNull();
  });

  it("turns a 429 into `rate_limited` with Retry-After, a 500 into `unavailable`, a bad token into `auth`, and the daily cap into a wait", async () => {
    await fake("faults", { rateLimited: 1 });
    const limited = (await tiktok.publish(account(), post("limited")).catch((e: PlatformError) => e)) as PlatformError;
    expect(limited).toMatchObject({ kind: "rate_limited", message: expect.stringContaining("(rate_limit_exceeded)") });
    expect(limited.details.retryAt! - Date.now()).toBeGreaterThan(55_000);
    await fake("faults", { status5xx: 1 });
    await expect(tiktok.publish(account(), post("failing"))).rejects.toMatchObject({ kind: "unavailable", message: expect.stringContaining("(internal_error)") });
    await expect(tiktok.publish(account("act.revoked"), post("no access"))).rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("(access_token_invalid)") });
  });

  it("posts to an audience the creator allows: an unaudited app, offered only SELF_ONLY, posts as SELF_ONLY though the account asked for public", async () => {
    await fake("faults", { privacyOptions: ["SELF_ONLY"] });
    await expect(tiktok.publish(account("act.fake-alice", { privacyLevel: "PUBLIC_TO_EVERYONE" }), post("Public please"))).resolves.toBeTruthy();
    expect((await state()).publishes[0]).toMatchObject({ privacy: "SELF_ONLY" });
  });

  it("validates before sending anything", () => {
    expect(tiktok.validate(post("No media", { media: [] }))).toEqual(["TikTok needs at least one image or video"]);
    expect(tiktok.validate(post("PNG", { media: [{ ...photo("p"), mime: "image/png" }] }))).toContain("TikTok does not accept image/png");
    expect(tiktok.validate(post("No URL", { media: [{ ...photo("n"), publicUrl: undefined }] }))).toContain("TikTok fetches photos from a public address, and this post's photos have none");
    expect(tiktok.validate(post("Both", { media: [photo("a"), video()] }))).toEqual([expect.stringContaining("does not mix")]);
    expect(tiktok.validate(post("x".repeat(2201)))).toEqual([expect.stringContaining("over TikTok's limit of 2200")]);
    expect(tiktok.validate(post("Fine"))).toEqual([]);
  });

  it("reads views, likes, comments and shares from /v2/video/query/", async () => {
    const ref = await tiktok.publish(account(), post("Counted"));
    await fake("engage", { id: ref.externalId, view_count: 5000, like_count: 300, comment_count: 20, share_count: 12 });
    expect(await tiktok.metrics(account(), ref)).toEqual({ impressions: 5000, likes: 300, comments: 20, shares: 12, clicks: null });
  });
});

describe("TikTok OAuth", () => {
  it("exchanges a code with the client key and the PKCE verifier, and lists the creator", async () => {
    const verifier = "k".repeat(50);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    const challenge = btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const authorize = new URL(tiktokOAuth.authorizeUrl);
    authorize.search = new URLSearchParams({ client_key: "fakeclientkey0001", redirect_uri: "https://app.test/cb", response_type: "code", scope: tiktokOAuth.scopes.join(","), state: "s1", code_challenge: challenge, code_challenge_method: "S256" }).toString();
    const code = new URL((await fetch(authorize, { redirect: "manual" })).headers.get("location")!).searchParams.get("code")!;
    const exchange = (fields: Record<string, string>) =>
      fetch(tiktokOAuth.tokenUrl, { method: "POST", body: new URLSearchParams({ client_key: "fakeclientkey0001", client_secret: "fake-tiktok-client-secret", grant_type: "authorization_code", code, redirect_uri: "https://app.test/cb", ...fields }) });
    expect(await (await exchange({ code_verifier: "z".repeat(50) })).json()).toMatchObject({ error: "invalid_grant" });
    const tokens = (await (await exchange({ code_verifier: verifier })).json()) as { access_token: string; refresh_token: string; refresh_expires_in: number };
    expect(tokens.refresh_expires_in).toBe(15_552_000);
    const refreshExpiry = new Date(Date.now() + tokens.refresh_expires_in * 1000);
    const accounts = await tiktokOAuth.accounts({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token, accessTokenExpiresAt: new Date(Date.now() + 7200_000), refreshTokenExpiresAt: refreshExpiry, scopes: tiktokOAuth.scopes });
    expect(accounts).toEqual([
      { externalId: "-000fakeOpenIdAlice", handle: "alice.bakes", displayName: "Alice Bakes", serviceUrl: TIKTOK_API, credentials: expect.objectContaining({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token }), expiresAt: refreshExpiry },
    ]);
  });
});
