import { beforeEach, describe, expect, it } from "vitest";
import { containerPolling } from "../facebook/graph";
import { PlatformError, type AccountSession, type OutgoingPost } from "../types";
import { threads, THREADS_GRAPH } from ".";
import { longLivedThreadsToken, refreshThreadsToken, threadsOAuth } from "./oauth";

// Against the fake Graph API (test/fakes/meta.ts), reached over HTTP like the real graph.threads.net.
const fake = (path: string, body?: unknown) => fetch(`${THREADS_GRAPH}/_fake/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
type Stored = { id: string; platform: string; text: string; link: string | null; media: string[]; kind: string; repliedTo?: string | null; rootPost?: string | null };
const posts = async () => ((await (await fake("state")).json()) as { posts: Stored[] }).posts.filter((p) => p.platform === "threads");
const USER = "25000000000000001";

const account = (accessToken = "threads-token-alice"): AccountSession => ({
  serviceUrl: THREADS_GRAPH,
  externalId: USER,
  handle: "alice.threads",
  credentials: { accessToken },
  timeoutMs: 1500,
  async saveCredentials() {},
});

let counter = 0;
const post = (text: string, extra: Partial<OutgoingPost> = {}): OutgoingPost => ({ text, link: null, media: [], idempotencyKey: `pub_threads_${++counter}`, createdAt: new Date(Date.now() - 60_000), ...extra });
const jpeg = (name: string) => ({ bytes: new Uint8Array([0xff, 0xd8, 0xff, 1, 2]), mime: "image/jpeg", alt: `Photo ${name}`, width: 1080, height: 1080, publicUrl: `https://media.example/${name}.jpg?sig=abc` });

beforeEach(async () => {
  Object.assign(containerPolling, { firstDelayMs: 5, maxDelayMs: 20, maxWaitMs: 1000 });
  await fake("reset", { owner: USER });
});

describe("Threads connector", () => {
  it("publishes a text post with its link through a container, and links the post", async () => {
    const ref = await threads.publish(account(), post("Fresh bread at 7", { link: "https://bakery.example/menu" }));
    const [stored] = await posts();
    expect(stored).toMatchObject({ text: "Fresh bread at 7", link: "https://bakery.example/menu", kind: "TEXT" });
    expect(ref).toEqual({ externalId: stored!.id, url: expect.stringMatching(/^https:\/\/www\.threads\.com\/@alice\.threads\/post\//) });
  });

  it("waits for a media container that stays IN_PROGRESS, then publishes; several images make a carousel", async () => {
    await fake("faults", { owner: USER, containerPolls: 3 });
    await threads.publish(account(), post("One photo", { media: [jpeg("a")] }));
    await threads.publish(account(), post("Two photos", { media: [jpeg("b"), jpeg("c")] }));
    const [one, two] = await posts();
    expect(one).toMatchObject({ kind: "IMAGE", media: ["https://media.example/a.jpg?sig=abc"] });
    expect(two).toMatchObject({ kind: "CAROUSEL" });
    expect(two!.media).toHaveLength(2);
  });

  it("refuses the post with Threads' reason when the container ends in ERROR, and publishes nothing", async () => {
    await fake("faults", { owner: USER, containerError: 1 });
    await expect(threads.publish(account(), post("Broken", { media: [jpeg("x")] }))).rejects.toMatchObject({ kind: "rejected", message: "Threads could not process the media: UNKNOWN" });
    expect(await posts()).toHaveLength(0);
  });

  it("gives up waiting on a container that never finishes as `unavailable` (nothing was published)", async () => {
    Object.assign(containerPolling, { maxWaitMs: 30 });
    await fake("faults", { owner: USER, containerPolls: 100 });
    await expect(threads.publish(account(), post("Slow", { media: [jpeg("s")] }))).rejects.toMatchObject({ kind: "unavailable" });
    expect(await posts()).toHaveLength(0);
  });

  it("after an accepted but dropped publish, find() returns the one post and nothing is posted twice", async () => {
    const once = post("Only once on Threads");
    await fake("faults", { owner: USER, acceptThenDrop: 1 });
    await expect(threads.publish(account(), once)).rejects.toMatchObject({ kind: "unknown" });
    const found = await threads.find(account(), once);
    const all = await posts();
    expect(all).toHaveLength(1);
    expect(found).toEqual({ externalId: all[0]!.id, url: expect.stringContaining("/post/") });
    expect(await threads.find(account(), post("Never posted"))).toBeNull();
  });

  it("publishes a 3-part thread as a chain of replies in order (reply_to_id), the link and media on the first post", async () => {
    const ref = await threads.publish(account(), post("1/3 Bakery news", { link: "https://bakery.example/", media: [jpeg("t")], thread: ["2/3 Rye on Fridays", "3/3 Open at 7"] }));
    const [first, second, third, ...more] = await posts();
    expect(more).toEqual([]);
    expect([first, second, third].map((p) => p!.text)).toEqual(["1/3 Bakery news", "2/3 Rye on Fridays", "3/3 Open at 7"]);
    expect(first).toMatchObject({ kind: "IMAGE", media: ["https://media.example/t.jpg?sig=abc"] });
    expect(first!.repliedTo ?? null).toBeNull();
    expect(second).toMatchObject({ kind: "TEXT", media: [], repliedTo: first!.id, rootPost: first!.id });
    expect(third).toMatchObject({ kind: "TEXT", repliedTo: second!.id, rootPost: first!.id });
    expect(ref).toEqual({ externalId: first!.id, url: expect.stringContaining("/post/") });
    expect(threads.validate(post("ok", { thread: ["x".repeat(501)] }))).toEqual([expect.stringMatching(/^post 2 of the thread: 1 over Threads's limit of 500/)]);
  });

  it("after the answer for post 2 is lost, find() does not call the thread done and the retry posts each part exactly once", async () => {
    const thread = post("1/3 Lost in the middle", { thread: ["2/3 Made, answer lost", "3/3 Still to come"] });
    await fake("faults", { owner: USER, acceptThenDrop: 1, passBeforeDrop: 1 });
    await expect(threads.publish(account(), thread)).rejects.toMatchObject({ kind: "unknown" });
    expect((await posts()).map((p) => p.text)).toEqual(["1/3 Lost in the middle", "2/3 Made, answer lost"]);
    expect(await threads.find(account(), thread)).toBeNull();
    const ref = await threads.publish(account(), thread);
    const all = await posts();
    expect(all.map((p) => p.text)).toEqual(["1/3 Lost in the middle", "2/3 Made, answer lost", "3/3 Still to come"]);
    expect(all.map((p) => p.repliedTo ?? null)).toEqual([null, all[0]!.id, all[1]!.id]);
    expect(ref).toEqual({ externalId: all[0]!.id, url: expect.stringContaining("/post/") });
    expect(await threads.find(account(), thread)).toEqual(ref);
    // The fake refuses a reply to a post that does not exist, as the Threads API does.
    const orphan = await fetch(`${THREADS_GRAPH}/v1.0/${USER}/threads`, {
      method: "POST",
      headers: { authorization: "Bearer threads-token-alice" },
      body: new URLSearchParams({ media_type: "TEXT", text: "to nobody", reply_to_id: "18999999999" }),
    });
    expect(orphan.status).toBe(400);
  });

  it("reads the publishing quota first: a full one waits as `rate_limited` until the oldest post leaves the 24 hours", async () => {
    await fake("posted", { owner: USER, count: 250, hoursAgo: 20 });
    const limited = (await threads.publish(account(), post("Over the quota")).catch((e: PlatformError) => e)) as PlatformError;
    expect(limited).toMatchObject({ kind: "rate_limited", message: expect.stringContaining("250 posts per 24 hours") });
    // The oldest of the 250 was posted 20 hours ago: it leaves the window in about 4 hours.
    expect(limited.details.retryAt! - Date.now()).toBeGreaterThan(3.9 * 3600_000);
    expect(limited.details.retryAt! - Date.now()).toBeLessThan(4.1 * 3600_000);
    expect((await posts()).filter((p) => p.text === "Over the quota")).toHaveLength(0);
  });

  it("turns throttling into `rate_limited` with a time, a 503 into `unavailable`, and a bad token into `auth`", async () => {
    await fake("faults", { owner: USER, rateLimited: 1 });
    const limited = (await threads.publish(account(), post("limited")).catch((e: PlatformError) => e)) as PlatformError;
    expect(limited).toMatchObject({ kind: "rate_limited", message: expect.stringContaining("Application request limit reached") });
    expect(limited.details.retryAt).toBeGreaterThan(Date.now());
    await fake("faults", { owner: USER, status5xx: 1 });
    await expect(threads.publish(account(), post("failing"))).rejects.toMatchObject({ kind: "unavailable", message: expect.stringContaining("Service temporarily unavailable") });
    await expect(threads.publish(account("revoked-token"), post("no access"))).rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("Invalid OAuth access token") });
  });

  it("validates against Threads' limits before sending anything", () => {
    expect(threads.validate(post("x".repeat(501)))).toEqual([expect.stringContaining("over Threads's limit of 500")]);
    expect(threads.validate(post("ok", { media: [{ ...jpeg("n"), publicUrl: undefined }] }))).toContain("Threads fetches images and videos from a public address, and this post's media has none");
    expect(threads.validate(post("   "))).toContain("A Threads post needs text or media");
    expect(threads.validate(post("x".repeat(500)))).toEqual([]);
  });

  it("reads views, likes, replies and reposts + quotes + shares from the post's insights", async () => {
    const ref = await threads.publish(account(), post("Counted"));
    expect(await threads.metrics(account(), ref)).toEqual({ impressions: 0, likes: 0, comments: 0, shares: 0, clicks: null });
    await fake("engage", { id: ref.externalId, views: 900, likes: 40, comments: 5, reposts: 3, quotes: 2, shares: 1 });
    expect(await threads.metrics(account(), ref)).toEqual({ impressions: 900, likes: 40, comments: 5, shares: 6, clicks: null });
  });
});

describe("Threads OAuth", () => {
  it("exchanges a code with the app's secret, trades the token for a long-lived one, renews it, and lists the profile", async () => {
    const dialog = await fetch(`${threadsOAuth.authorizeUrl}?client_id=fake-threads-app-id&redirect_uri=${encodeURIComponent("https://app.test/cb")}&scope=threads_basic&response_type=code&state=s1`, { redirect: "manual" });
    const code = new URL(dialog.headers.get("location")!).searchParams.get("code")!;
    const token = (secret: string) =>
      fetch(threadsOAuth.tokenUrl, { method: "POST", body: new URLSearchParams({ client_id: "fake-threads-app-id", client_secret: secret, grant_type: "authorization_code", redirect_uri: "https://app.test/cb", code }) });
    expect((await token("wrong")).status).toBe(400);
    const { access_token } = (await (await token("fake-threads-app-secret")).json()) as { access_token: string };
    const long = await longLivedThreadsToken(access_token, "fake-threads-app-secret");
    expect(long.expiresAt.getTime()).toBeGreaterThan(Date.now() + 59 * 86_400_000);
    expect((await refreshThreadsToken(long.accessToken)).accessToken).not.toBe(long.accessToken);
    // accounts() trades the code's 1-hour token for a 60-day one with the app's secret, and stores that.
    const tokens = { accessToken: access_token, refreshToken: null, accessTokenExpiresAt: null, refreshTokenExpiresAt: null, scopes: threadsOAuth.scopes };
    const [connected, ...others] = await threadsOAuth.accounts(tokens, { serviceUrl: null, app: { clientId: "fake-threads-app-id", clientSecret: "fake-threads-app-secret" } });
    expect(others).toEqual([]);
    expect(connected).toMatchObject({ externalId: USER, handle: "alice.threads", displayName: "Alice Example", serviceUrl: THREADS_GRAPH });
    expect(connected!.credentials.accessToken).toMatch(/^threads-long-/);
    expect(connected!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 59 * 86_400_000);
    expect(connected!.credentials.accessTokenExpiresAt).toBe(connected!.expiresAt!.toISOString());
  });
});
