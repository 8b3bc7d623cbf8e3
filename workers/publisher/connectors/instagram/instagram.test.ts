import { beforeEach, describe, expect, it } from "vitest";
import { containerPolling, FACEBOOK_GRAPH, graphFailure, quotaFreesAt } from "../facebook/graph";
import { PlatformError, type AccountSession, type OutgoingPost } from "../types";
import { instagram } from ".";
import { instagramOAuth } from "./oauth";

// Against the fake Graph API (test/fakes/meta.ts), reached over HTTP like the real graph.facebook.com.
const fake = (path: string, body?: unknown) => fetch(`${FACEBOOK_GRAPH}/_fake/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
type Stored = { id: string; platform: string; text: string; media: string[]; kind: string };
type StoredContainer = { params: Record<string, string> };
const state = async () => (await (await fake("state")).json()) as { posts: Stored[]; containers: StoredContainer[] };
const posts = async () => (await state()).posts.filter((p) => p.platform === "instagram");
const IG = "17841400000000001";

const account = (accessToken = "page-token-bakery"): AccountSession => ({
  serviceUrl: FACEBOOK_GRAPH,
  externalId: IG,
  handle: "alices.bakery",
  credentials: { accessToken, pageId: "102000000000001" },
  timeoutMs: 1500,
  async saveCredentials() {},
});

let counter = 0;
const jpeg = (name: string) => ({ bytes: new Uint8Array([0xff, 0xd8, 0xff, 1, 2]), mime: "image/jpeg", alt: `Photo ${name}`, width: 1080, height: 1350, publicUrl: `https://media.example/${name}.jpg?sig=abc` });
const mp4 = { bytes: new Uint8Array([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70]), mime: "video/mp4", alt: "", width: 1080, height: 1920, publicUrl: "https://media.example/reel.mp4?sig=abc" };
const post = (text: string, extra: Partial<OutgoingPost> = {}): OutgoingPost => ({ text, link: null, media: [jpeg("default")], idempotencyKey: `pub_ig_${++counter}`, createdAt: new Date(Date.now() - 60_000), ...extra });

beforeEach(async () => {
  Object.assign(containerPolling, { firstDelayMs: 5, maxDelayMs: 20, maxWaitMs: 1000 });
  await fake("reset", { owner: IG });
});

describe("Instagram connector", () => {
  it("publishes an image by its public URL with caption and alt text, after the container finishes, and links the post", async () => {
    await fake("faults", { owner: IG, containerPolls: 2 });
    const ref = await instagram.publish(account(), post("Croissants are back #bakery", { media: [jpeg("croissant")] }));
    const [stored] = await posts();
    expect(stored).toMatchObject({ text: "Croissants are back #bakery", kind: "IMAGE", media: ["https://media.example/croissant.jpg?sig=abc"] });
    expect((await state()).containers[0]!.params).toMatchObject({ image_url: "https://media.example/croissant.jpg?sig=abc", alt_text: "Photo croissant" });
    expect(ref).toEqual({ externalId: stored!.id, url: expect.stringMatching(/^https:\/\/www\.instagram\.com\/p\//) });
  });

  it("posts a video as a reel, and several items as a carousel of finished child containers", async () => {
    await instagram.publish(account(), post("A reel", { media: [mp4] }));
    await instagram.publish(account(), post("A carousel", { media: [jpeg("a"), jpeg("b"), mp4] }));
    const [reel, carousel] = await posts();
    expect(reel).toMatchObject({ kind: "VIDEO" });
    expect(carousel).toMatchObject({ kind: "CAROUSEL_ALBUM" });
    expect(carousel!.media).toHaveLength(3);
    expect((await state()).containers.map((c) => c.params.media_type ?? "IMAGE")).toEqual(["REELS", "IMAGE", "IMAGE", "VIDEO", "CAROUSEL"]);
  });

  it("refuses the post with Instagram's reason when the container ends in ERROR, and publishes nothing", async () => {
    await fake("faults", { owner: IG, containerError: 1 });
    await expect(instagram.publish(account(), post("Broken"))).rejects.toMatchObject({ kind: "rejected", message: "Instagram could not process the media: Error: Media upload has failed with error code 2207026" });
    expect(await posts()).toHaveLength(0);
  });

  it("after an accepted but dropped media_publish, find() returns the one post and nothing is posted twice", async () => {
    const once = post("Only once on Instagram");
    await fake("faults", { owner: IG, acceptThenDrop: 1 });
    await expect(instagram.publish(account(), once)).rejects.toMatchObject({ kind: "unknown" });
    const all = await posts();
    expect(all).toHaveLength(1);
    expect(await instagram.find(account(), once)).toEqual({ externalId: all[0]!.id, url: expect.stringContaining("instagram.com/p/") });
    expect(await instagram.find(account(), post("Never posted"))).toBeNull();
  });

  it("reads the publishing quota at runtime: a full one waits as `rate_limited` until the oldest post's 24 hours end", async () => {
    await fake("posted", { owner: IG, count: 100, hoursAgo: 23 });
    const limited = (await instagram.publish(account(), post("Over the quota")).catch((e: PlatformError) => e)) as PlatformError;
    expect(limited).toMatchObject({ kind: "rate_limited", message: expect.stringContaining("100 posts per 24 hours"), details: { status: 429 } });
    expect(limited.details.retryAt! - Date.now()).toBeGreaterThan(0.9 * 3600_000);
    expect(limited.details.retryAt! - Date.now()).toBeLessThan(1.1 * 3600_000);
    expect((await state()).containers).toHaveLength(0);
  });

  it("turns Business Use Case throttling into `rate_limited` at the time Meta names, a 503 into `unavailable`, a bad token into `auth`", async () => {
    await fake("faults", { owner: IG, rateLimited: 1 });
    const limited = (await instagram.publish(account(), post("limited")).catch((e: PlatformError) => e)) as PlatformError;
    expect(limited).toMatchObject({ kind: "rate_limited", message: expect.stringContaining("too many calls to this Instagram account") });
    // estimated_time_to_regain_access: 12 minutes.
    expect(limited.details.retryAt! - Date.now()).toBeGreaterThan(11 * 60_000);
    expect(limited.details.retryAt! - Date.now()).toBeLessThan(13 * 60_000);
    await fake("faults", { owner: IG, status5xx: 1 });
    await expect(instagram.publish(account(), post("failing"))).rejects.toMatchObject({ kind: "unavailable", message: expect.stringContaining("Service temporarily unavailable") });
    await expect(instagram.publish(account("expired-page-token"), post("no access"))).rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("(code 190)") });
  });

  it("validates before sending anything: media required, JPEG only, a public address for each item, 2,200 characters", () => {
    expect(instagram.validate(post("No media", { media: [] }))).toEqual(["Instagram needs at least one image or video"]);
    expect(instagram.validate(post("PNG", { media: [{ ...jpeg("p"), mime: "image/png" }] }))).toContain("Instagram does not accept image/png");
    expect(instagram.validate(post("No URL", { media: [{ ...jpeg("n"), publicUrl: undefined }] }))).toContain("Instagram fetches images and videos from a public address, and this post's media has none");
    expect(instagram.validate(post("x".repeat(2201)))).toEqual([expect.stringContaining("over Instagram's limit of 2200")]);
    expect(instagram.validate(post("Fine"))).toEqual([]);
  });

  it("reads views, likes, comments and shares from the media's insights", async () => {
    const ref = await instagram.publish(account(), post("Counted"));
    await fake("engage", { id: ref.externalId, views: 1200, likes: 80, comments: 9, shares: 4 });
    expect(await instagram.metrics(account(), ref)).toEqual({ impressions: 1200, likes: 80, comments: 9, shares: 4, clicks: null });
  });
});

describe("Graph errors and the quota window", () => {
  it("reads Instagram's 'maximum number of posts' (9/2207042) as a rate limit, keeping Meta's sentence for people", async () => {
    const answer = Response.json(
      { error: { message: "Application request limit reached", type: "OAuthException", code: 9, error_subcode: 2207042, error_user_msg: "You reached maximum number of posts that is allowed to be published by Content Publish API." } },
      { status: 400 },
    );
    const error = await graphFailure("Instagram", answer, "the post");
    expect(error).toMatchObject({ kind: "rate_limited", message: "Instagram's rate limit was reached: You reached maximum number of posts that is allowed to be published by Content Publish API. — Application request limit reached (code 9/2207042)" });
  });

  it("frees a full quota's slot when the post that ends first leaves the 24 hours", () => {
    const now = Date.parse("2026-11-23T12:00:00Z");
    const hour = 3600_000;
    const quota = { used: 101, total: 100, durationMs: 24 * hour };
    // Two posts over the quota (a slot frees when the 2nd oldest leaves); a post older than the window is ignored.
    const postedAt = [now - 30 * hour, now - 23 * hour, now - 22 * hour, ...Array.from({ length: 99 }, (_, i) => now - i * 60_000)];
    expect(quotaFreesAt(quota, postedAt, now)).toBe(now + 2 * hour);
  });
});

describe("Instagram OAuth", () => {
  it("lists the Instagram accounts linked to the person's Pages, each with its Page's token", async () => {
    const tokens = { accessToken: "user-token-alice", refreshToken: null, accessTokenExpiresAt: new Date(Date.now() + 60 * 86_400_000), refreshTokenExpiresAt: null, scopes: instagramOAuth.scopes };
    expect(await instagramOAuth.accounts(tokens)).toEqual([
      { externalId: IG, handle: "alices.bakery", displayName: "Alice's Bakery", serviceUrl: FACEBOOK_GRAPH, credentials: { accessToken: "page-token-bakery", pageId: "102000000000001" }, expiresAt: null },
    ]);
    await expect(instagramOAuth.accounts({ ...tokens, accessToken: "nope" })).rejects.toMatchObject({ kind: "auth" });
  });
});
