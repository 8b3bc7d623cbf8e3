import { beforeEach, describe, expect, it } from "vitest";
import { PlatformError, type AccountSession, type OutgoingPost } from "../types";
import { GOOGLE_APIS, nextPacificMidnight, youtube, youtubeTiming } from ".";
import { youtubeOAuth } from "./oauth";

// Against the fake Google (test/fakes/youtube.ts), reached over HTTP like the real www.googleapis.com.
const fake = (path: string, body?: unknown) => fetch(`${GOOGLE_APIS}/_fake/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
type StoredVideo = { id: string; title: string; description: string; size: number };
const state = async () => (await (await fake("state")).json()) as { videos: StoredVideo[]; sessions: { receivedBytes: number }[]; quotaUsed: number };
const CHANNEL = "UCfakeAlice000000000000a";

const account = (accessToken = "yt-token-alice"): AccountSession => ({
  serviceUrl: GOOGLE_APIS,
  externalId: CHANNEL,
  handle: "@alicebakes",
  credentials: { accessToken },
  timeoutMs: 1500,
  async saveCredentials() {},
});

let counter = 0;
const video = (size = 1000) => ({ bytes: new Uint8Array(size).map((_, i) => i % 251), mime: "video/mp4", alt: "", width: 1920, height: 1080 });
const post = (text: string, extra: Partial<OutgoingPost> = {}): OutgoingPost => ({
  text,
  title: "How we bake sourdough",
  link: null,
  media: [video()],
  idempotencyKey: `pub_yt_${++counter}`,
  createdAt: new Date(Date.now() - 60_000),
  ...extra,
});

beforeEach(async () => {
  Object.assign(youtubeTiming, { processingWaitMs: 500, processingPollMs: 5, resumeDelayMs: 5 });
  await fake("reset", {});
});

describe("YouTube connector", () => {
  it("uploads the video through a resumable session with its title and description, waits for processing, and links it", async () => {
    await fake("faults", { processingPolls: 2 });
    const ref = await youtube.publish(account(), post("Step by step, from starter to loaf."));
    const { videos, quotaUsed } = await state();
    expect(videos).toEqual([expect.objectContaining({ title: "How we bake sourdough", description: "Step by step, from starter to loaf.", size: 1000 })]);
    expect(ref).toEqual({ externalId: videos[0]!.id, url: `https://www.youtube.com/watch?v=${videos[0]!.id}` });
    // videos.insert costs 1,600 units, each status read 1.
    expect(quotaUsed).toBe(1600 + 3);
  });

  it("resumes an upload that broke off halfway from where YouTube says it stopped, sending each byte once", async () => {
    await fake("faults", { interruptUpload: 1 });
    await youtube.publish(account(), post("Resumed"));
    const { videos, sessions } = await state();
    expect(videos).toHaveLength(1);
    expect(videos[0]!.size).toBe(1000);
    expect(sessions[0]!.receivedBytes).toBe(1000);
  });

  it("when the upload's answer is lost, asks the session and gets the video: exactly one, and find() sees it too", async () => {
    const once = post("Only once on YouTube");
    await fake("faults", { acceptThenDrop: 1 });
    const ref = await youtube.publish(account(), once);
    const { videos } = await state();
    expect(videos).toHaveLength(1);
    expect(ref.externalId).toBe(videos[0]!.id);
    expect(await youtube.find(account(), once)).toEqual(ref);
    expect(await youtube.find(account(), post("Another description"))).toBeNull();
  });

  it("refuses the post with YouTube's reason when processing rejects the video", async () => {
    await fake("faults", { rejectNext: 1 });
    await expect(youtube.publish(account(), post("A duplicate"))).rejects.toMatchObject({ kind: "rejected", message: "YouTube rejected the video: duplicate" });
  });

  it("waits for the daily quota until midnight Pacific Time, and turns a 503 into `unavailable` and bad credentials into `auth`", async () => {
    await fake("faults", { rateLimited: 1 });
    const limited = (await youtube.publish(account(), post("quota")).catch((e: PlatformError) => e)) as PlatformError;
    expect(limited).toMatchObject({ kind: "rate_limited", message: expect.stringContaining("exceeded your quota. (quotaExceeded)"), details: { retryAt: nextPacificMidnight() } });
    await fake("faults", { status5xx: 1 });
    await expect(youtube.publish(account(), post("failing"))).rejects.toMatchObject({ kind: "unavailable", message: expect.stringContaining("Backend Error (backendError)") });
    await expect(youtube.publish(account("expired"), post("no access"))).rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("(authError)") });
    expect((await state()).videos).toHaveLength(0);
  });

  it("uses up the real quota: six uploads fit in 10,000 units, the seventh waits", async () => {
    for (let i = 0; i < 6; i++) await youtube.publish(account(), post(`Video ${i}`));
    await expect(youtube.publish(account(), post("Seventh"))).rejects.toMatchObject({ kind: "rate_limited" });
  });

  it("validates before sending anything: a video, a title, YouTube's limits", () => {
    expect(youtube.validate(post("No video", { media: [] }))).toEqual(["YouTube needs at least one video"]);
    expect(youtube.validate(post("No title", { title: null }))).toEqual(["YouTube needs a title"]);
    expect(youtube.validate(post("a <b> c"))).toEqual(["YouTube does not allow < > in the text"]);
    expect(youtube.validate(post("é".repeat(2501)))).toEqual([expect.stringContaining("over YouTube's limit of 5000 bytes")]);
    expect(youtube.validate(post("Fine"))).toEqual([]);
  });

  it("reads views, likes and comments from the video's statistics", async () => {
    const ref = await youtube.publish(account(), post("Counted"));
    await fake("engage", { id: ref.externalId, viewCount: 3400, likeCount: 120, commentCount: 15 });
    expect(await youtube.metrics(account(), ref)).toEqual({ impressions: 3400, likes: 120, comments: 15, shares: null, clicks: null });
  });
});

describe("YouTube OAuth", () => {
  it("exchanges a code only with the PKCE verifier, and lists the signed-in account's channel", async () => {
    const verifier = "v".repeat(43);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    const challenge = btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const authorize = new URL(youtubeOAuth.authorizeUrl);
    authorize.search = new URLSearchParams({ client_id: "fake-google-client.apps.googleusercontent.com", redirect_uri: "https://app.test/cb", response_type: "code", scope: youtubeOAuth.scopes.join(" "), state: "s1", code_challenge: challenge, code_challenge_method: "S256", access_type: "offline" }).toString();
    const code = new URL((await fetch(authorize, { redirect: "manual" })).headers.get("location")!).searchParams.get("code")!;
    const exchange = (codeVerifier: string) =>
      fetch(youtubeOAuth.tokenUrl, {
        method: "POST",
        headers: { authorization: `Basic ${btoa("fake-google-client.apps.googleusercontent.com:fake-google-secret")}` },
        body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: "https://app.test/cb", code_verifier: codeVerifier }),
      });
    expect(await (await exchange("w".repeat(43))).json()).toMatchObject({ error: "invalid_grant" });
    const tokens = (await (await exchange(verifier)).json()) as { access_token: string; refresh_token: string };
    expect(tokens.refresh_token).toBeTruthy();
    const accounts = await youtubeOAuth.accounts({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token, accessTokenExpiresAt: new Date(Date.now() + 3599_000), refreshTokenExpiresAt: null, scopes: youtubeOAuth.scopes });
    expect(accounts).toEqual([
      { externalId: CHANNEL, handle: "@alicebakes", displayName: "Alice Bakes", serviceUrl: GOOGLE_APIS, credentials: expect.objectContaining({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token }), expiresAt: null },
    ]);
  });
});
