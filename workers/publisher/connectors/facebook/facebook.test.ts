import { beforeEach, describe, expect, it } from "vitest";
import { PlatformError, type AccountSession, type OutgoingPost } from "../types";
import { facebook } from ".";
import { FACEBOOK_GRAPH } from "./graph";
import { facebookOAuth, longLivedFacebookToken } from "./oauth";

// Against the fake Graph API (test/fakes/meta.ts), reached over HTTP like the real graph.facebook.com.
const fake = (path: string, body?: unknown) => fetch(`${FACEBOOK_GRAPH}/_fake/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
type Stored = { id: string; platform: string; text: string; link: string | null; media: string[]; kind: string };
const posts = async () => ((await (await fake("state")).json()) as { posts: Stored[] }).posts.filter((p) => p.platform === "facebook");
const PAGE = "102000000000001";

const account = (accessToken = "page-token-bakery"): AccountSession => ({
  serviceUrl: FACEBOOK_GRAPH,
  externalId: PAGE,
  handle: "Alice's Bakery",
  credentials: { accessToken },
  timeoutMs: 1500,
  async saveCredentials() {},
});

let counter = 0;
const post = (text: string, extra: Partial<OutgoingPost> = {}): OutgoingPost => ({ text, link: null, media: [], idempotencyKey: `pub_fb_${++counter}`, createdAt: new Date(Date.now() - 60_000), ...extra });
const png = { bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), mime: "image/png", alt: "Our shop front", width: 1200, height: 800 };

beforeEach(async () => {
  await fake("reset", { owner: PAGE });
});

describe("Facebook Pages connector", () => {
  it("posts text with its link to the Page's feed, and links the post", async () => {
    const ref = await facebook.publish(account(), post("Open on Sunday", { link: "https://bakery.example/hours" }));
    const [stored] = await posts();
    expect(stored).toMatchObject({ text: "Open on Sunday", link: "https://bakery.example/hours", kind: "link" });
    expect(ref).toEqual({ externalId: stored!.id, url: `https://www.facebook.com/${PAGE}/posts/${stored!.id.split("_")[1]}` });
  });

  it("uploads one photo from its bytes as a photo post, and several as unpublished photos attached to one feed post", async () => {
    const one = await facebook.publish(account(), post("One photo", { media: [png] }));
    await facebook.publish(account(), post("Three photos", { media: [png, png, png] }));
    const [photo, album] = await posts();
    expect(photo).toMatchObject({ id: one.externalId, text: "One photo", kind: "photo" });
    expect(album).toMatchObject({ text: "Three photos", kind: "photos" });
    expect(album!.media).toHaveLength(3);
  });

  it("after an accepted but dropped post, find() returns the one post; posting again finds it instead of a second", async () => {
    const once = post("Only once on Facebook");
    await fake("faults", { owner: PAGE, acceptThenDrop: 1 });
    await expect(facebook.publish(account(), once)).rejects.toMatchObject({ kind: "unknown" });
    const [stored] = await posts();
    const found = await facebook.find(account(), once);
    expect(found).toEqual({ externalId: stored!.id, url: expect.stringContaining(`/${PAGE}/posts/`) });
    // Facebook refuses the same text again ("Duplicate status message"): the connector answers with the earlier post.
    expect(await facebook.publish(account(), once)).toEqual(found);
    expect(await posts()).toHaveLength(1);
    expect(await facebook.find(account(), post("Never posted"))).toBeNull();
  });

  it("turns Page throttling into `rate_limited` at the time Meta names, a 503 into `unavailable`, a bad token into `auth`", async () => {
    await fake("faults", { owner: PAGE, rateLimited: 1 });
    const limited = (await facebook.publish(account(), post("limited")).catch((e: PlatformError) => e)) as PlatformError;
    expect(limited).toMatchObject({ kind: "rate_limited", message: expect.stringContaining("too many calls to this Page account"), details: { status: 429 } });
    expect(limited.details.retryAt! - Date.now()).toBeGreaterThan(11 * 60_000);
    await fake("faults", { owner: PAGE, status5xx: 1 });
    await expect(facebook.publish(account(), post("failing"))).rejects.toMatchObject({ kind: "unavailable", message: expect.stringContaining("Service temporarily unavailable (code 2)") });
    await expect(facebook.publish(account("bad-token"), post("no access"))).rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("Invalid OAuth access token") });
    // A user token cannot post as the Page: a permission error, which reconnecting fixes.
    await expect(facebook.publish(account("user-token-alice"), post("as the user"))).rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("pages_manage_posts") });
  });

  it("validates before sending anything", () => {
    expect(facebook.validate(post("x".repeat(63207)))).toEqual([expect.stringContaining("over Facebook's limit")]);
    expect(facebook.validate(post("Video", { media: [{ ...png, mime: "video/mp4" }] }))).toContain("Video posts to Facebook Pages are not supported yet; attach photos");
    expect(facebook.validate(post(" "))).toContain("A Facebook post needs text, a link or a photo");
    expect(facebook.validate(post("Fine", { media: [png] }))).toEqual([]);
  });

  it("reads reactions, comments and shares from the summaries, and views and clicks from the insights", async () => {
    const ref = await facebook.publish(account(), post("Counted"));
    expect(await facebook.metrics(account(), ref)).toEqual({ impressions: 0, likes: 0, comments: 0, shares: 0, clicks: 0 });
    await fake("engage", { id: ref.externalId, views: 500, likes: 30, comments: 7, shares: 2, clicks: 11 });
    expect(await facebook.metrics(account(), ref)).toEqual({ impressions: 500, likes: 30, comments: 7, shares: 2, clicks: 11 });
  });
});

describe("Facebook OAuth", () => {
  it("exchanges a code with the app's secret, takes a long-lived token, and lists the person's Pages with their Page tokens", async () => {
    const redirect = "https://app.test/oauth/facebook/callback";
    const dialog = await fetch(`${facebookOAuth.authorizeUrl}?client_id=fake-meta-app-id&redirect_uri=${encodeURIComponent(redirect)}&state=s1&scope=${facebookOAuth.scopes.join(",")}`, { redirect: "manual" });
    const back = new URL(dialog.headers.get("location")!);
    expect(back.searchParams.get("state")).toBe("s1");
    const exchange = (redirectUri: string) =>
      fetch(facebookOAuth.tokenUrl, { method: "POST", body: new URLSearchParams({ client_id: "fake-meta-app-id", client_secret: "fake-meta-app-secret", redirect_uri: redirectUri, code: back.searchParams.get("code")! }) });
    expect((await exchange("https://elsewhere.test/cb")).status).toBe(400);
    const short = (await (await exchange(redirect)).json()) as { access_token: string; expires_in: number };
    const tokens = { accessToken: short.access_token, refreshToken: null, accessTokenExpiresAt: new Date(Date.now() + short.expires_in * 1000), refreshTokenExpiresAt: null, scopes: facebookOAuth.scopes };
    await expect(longLivedFacebookToken(short.access_token, "fake-meta-app-id", "wrong-secret")).rejects.toMatchObject({ kind: "auth" });
    // With the app, accounts() takes a long-lived user token first: the Page tokens from it do not expire.
    const app = { clientId: "fake-meta-app-id", clientSecret: "fake-meta-app-secret" };
    expect(await facebookOAuth.accounts(tokens, { serviceUrl: null, app })).toEqual([
      { externalId: PAGE, handle: "Alice's Bakery", displayName: "Alice's Bakery", serviceUrl: FACEBOOK_GRAPH, credentials: { accessToken: "page-token-bakery" }, expiresAt: null },
      { externalId: "102000000000002", handle: "Alice Writes", displayName: "Alice Writes", serviceUrl: FACEBOOK_GRAPH, credentials: { accessToken: "page-token-writes" }, expiresAt: null },
    ]);
    // Without it, Page tokens from the short-lived user token die with it, and say so.
    const fromShort = await facebookOAuth.accounts(tokens);
    expect(fromShort[0]!.expiresAt).toEqual(tokens.accessTokenExpiresAt);
  });
});
