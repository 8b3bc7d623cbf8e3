import { generateState } from "arctic";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { operatorClient, tokenClient, type ConnectableAccount } from "../oauth";
import type { AccountSession, OutgoingPost, PlatformError } from "../types";
import { linkedin } from ".";
import { littleText } from "./little-text";
import { linkedInOAuth } from "./oauth";

// Against the fake LinkedIn (test/fakes/linkedin.ts) over HTTP, with tokens from its real flow
// (client secret in the body, no PKCE): the member and the two pages they administer.
const fake = (path: string, body?: unknown) => fetch(`https://api.linkedin.com/_fake/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
type Stored = { id: string; author: string; commentary: string; content: { media?: { id: string; altText: string }; multiImage?: { images: unknown[] } } | null };
const state = async () => (await (await fake("state")).json()) as { posts: Stored[] };
const REDIRECT = "https://engine.test/oauth/callback/linkedin";

let connectable: ConnectableAccount[];
const session = (account: ConnectableAccount): AccountSession => ({ serviceUrl: account.serviceUrl, externalId: account.externalId, handle: account.handle, credentials: account.credentials, timeoutMs: 1500, async saveCredentials() {} });

beforeAll(async () => {
  const client = tokenClient(linkedInOAuth, operatorClient(env, linkedInOAuth)!, REDIRECT, null);
  const authorize = client.authorizationUrl(generateState(), null);
  expect(authorize.searchParams.has("code_challenge")).toBe(false);
  const consent = await fetch(authorize, { redirect: "manual" });
  const code = new URL(consent.headers.get("location")!).searchParams.get("code")!;
  const tokens = await client.exchange(code, null);
  expect(tokens.refreshTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 300 * 86400_000);
  connectable = await linkedInOAuth.accounts(tokens);
});

let counter = 0;
const post = (text: string, extra: Partial<OutgoingPost> = {}): OutgoingPost => ({ text, link: null, media: [], idempotencyKey: `pub_li_${++counter}`, createdAt: new Date(Date.now() - 5000), ...extra });
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const member = () => session(connectable[0]!);
const page = () => session(connectable[1]!);

beforeEach(async () => {
  await fake("reset", {});
});

describe("LinkedIn connector", () => {
  it("offers the member and every page they administer", () => {
    expect(connectable.map((a) => [a.externalId, a.displayName])).toEqual([
      ["urn:li:person:aBcD3fGh1", "Lina Example"],
      ["urn:li:organization:1001", "Acme Inc."],
      ["urn:li:organization:1002", "Acme Labs"],
    ]);
  });

  it("posts as the member and as a page, with the id from x-restli-id and the commentary escaped", async () => {
    const text = "Launch (beta) #Workers @team_x {soon} [1] <3 ~ * \\";
    const ref = await linkedin.publish(member(), post(text));
    const onPage = await linkedin.publish(page(), post("From the page"));
    const { posts } = await state();
    expect(ref).toEqual({ externalId: posts[0]!.id, url: `https://www.linkedin.com/feed/update/${posts[0]!.id}/` });
    expect(posts[0]).toMatchObject({ author: "urn:li:person:aBcD3fGh1", commentary: "Launch \\(beta\\) \\#Workers \\@team\\_x \\{soon\\} \\[1\\] \\<3 \\~ \\* \\\\" });
    expect(onPage.externalId).toBe(posts[1]!.id);
    expect(posts[1]!.author).toBe("urn:li:organization:1001");
  });

  it("uploads images through the Images API with their alt text", async () => {
    const image = { bytes: png, mime: "image/png", alt: "Team photo", width: 10, height: 10 };
    await linkedin.publish(page(), post("One picture", { media: [image] }));
    await linkedin.publish(page(), post("Two pictures", { media: [image, { ...image, alt: "Office" }] }));
    const { posts } = await state();
    expect(posts[0]!.content!.media).toMatchObject({ id: expect.stringMatching(/^urn:li:image:/), altText: "Team photo" });
    expect(posts[1]!.content!.multiImage!.images).toHaveLength(2);
  });

  it("after accept-then-drop, finds the page's one post; a repeat is answered with the earlier post LinkedIn names", async () => {
    const once = post("Only once on LinkedIn (really)");
    expect(await linkedin.find(page(), once)).toBeNull();
    await fake("faults", { acceptThenDrop: 1 });
    await expect(linkedin.publish(page(), once)).rejects.toMatchObject({ kind: "unknown" });
    const found = await linkedin.find(page(), once);
    const { posts } = await state();
    expect(posts).toHaveLength(1);
    expect(found).toEqual({ externalId: posts[0]!.id, url: `https://www.linkedin.com/feed/update/${posts[0]!.id}/` });
    expect(await linkedin.publish(page(), once)).toEqual(found);
    expect((await state()).posts).toHaveLength(1);
  });

  it("for a member, whose posts the app may not list, LinkedIn's duplicate refusal still yields exactly one post", async () => {
    const once = post("A member's post, once");
    await fake("faults", { acceptThenDrop: 1 });
    await expect(linkedin.publish(member(), once)).rejects.toMatchObject({ kind: "unknown" });
    expect(await linkedin.find(member(), once)).toBeNull();
    const again = await linkedin.publish(member(), once);
    const { posts } = await state();
    expect(posts).toHaveLength(1);
    expect(again.externalId).toBe(posts[0]!.id);
  });

  it("turns a 429 into rate_limited until LinkedIn's daily reset, a 5xx into unavailable, a bad token into auth", async () => {
    await fake("faults", { rateLimited: 1 });
    const limited = (await linkedin.publish(page(), post("limited")).catch((e: unknown) => e)) as PlatformError;
    expect(limited).toMatchObject({ kind: "rate_limited", message: expect.stringContaining("MEMBER DAY limit") });
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(limited.details.retryAt).toBe(midnight.getTime());
    await fake("faults", { status5xx: 1 });
    await expect(linkedin.publish(page(), post("failing"))).rejects.toMatchObject({ kind: "unavailable", message: expect.stringContaining("GATEWAY_TIMEOUT") });
    await expect(linkedin.publish({ ...page(), credentials: { accessToken: "nope" } }, post("signed out"))).rejects.toMatchObject({ kind: "auth", message: expect.stringContaining("INVALID_ACCESS_TOKEN") });
  });

  it("validates against LinkedIn's limits before sending anything", () => {
    expect(linkedin.validate(post("w".repeat(3001)))).toEqual([expect.stringContaining("over")]);
    expect(linkedin.validate(post("doc", { media: [{ bytes: png, mime: "application/pdf", alt: "", width: null, height: null }] }))).toContain("Video and document posts to LinkedIn are not supported yet; attach images");
    expect(littleText("a_b")).toBe("a\\_b");
  });

  it("reads likes and comments", async () => {
    const ref = await linkedin.publish(page(), post("Counted"));
    expect(await linkedin.metrics(page(), ref)).toEqual({ impressions: null, likes: 0, comments: 0, shares: null, clicks: null });
    await fake("engage", { id: ref.externalId, likes: 12, comments: 4 });
    expect(await linkedin.metrics(page(), ref)).toEqual({ impressions: null, likes: 12, comments: 4, shares: null, clicks: null });
  });
});
