import { beforeEach, describe, expect, it } from "vitest";
import { PlatformError, type AccountSession, type OutgoingPost } from "../types";
import { bluesky, createSession } from ".";
import { tidFor } from "./tid";

// Against the fake PDS (test/fakes/bluesky.ts), reached over HTTP like the real one.
const PDS = "https://pds.bsky.test";
const fake = (path: string, body?: unknown) => fetch(`${PDS}/_fake/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
type Ref = { uri: string; cid: string };
type Stored = { uri: string; cid: string; rkey: string; value: { text: string; reply?: { root: Ref; parent: Ref }; facets?: { index: { byteStart: number; byteEnd: number }; features: Record<string, string>[] }[]; embed?: { images: { alt: string; aspectRatio?: unknown }[] } } };
const state = async () => (await (await fake("state")).json()) as { records: Stored[]; sessionsCreated: number };

let saved: { credentials: Record<string, string>; expiresAt: Date | null }[];

async function account(): Promise<AccountSession> {
  const session = await createSession(PDS, "alice.bsky.test", "app-pass-word-1234");
  return {
    serviceUrl: PDS,
    externalId: session.did,
    handle: session.handle,
    credentials: { accessJwt: session.accessJwt, refreshJwt: session.refreshJwt, appPassword: "app-pass-word-1234" },
    timeoutMs: 1500,
    async saveCredentials(credentials, expiresAt) {
      saved.push({ credentials, expiresAt });
    },
  };
}

let counter = 0;
const post = (text: string, extra: Partial<OutgoingPost> = {}): OutgoingPost => ({ text, link: null, media: [], idempotencyKey: `pub_test_${++counter}`, createdAt: new Date("2026-11-23T10:00:00Z"), ...extra });

beforeEach(async () => {
  saved = [];
  await fake("reset", {});
});

describe("Bluesky connector", () => {
  it("refuses a wrong app password with Bluesky's own words", async () => {
    const refused = createSession(PDS, "alice.bsky.test", "wrong");
    await expect(refused).rejects.toThrow(PlatformError);
    await expect(refused).rejects.toMatchObject({ kind: "auth", message: "Bluesky refused the sign-in: AuthenticationRequired: Invalid identifier or password" });
  });

  it("posts with facets at UTF-8 byte offsets for links, mentions and hashtags, and links the post", async () => {
    const session = await account();
    const text = "Café ☕ news: read https://example.com/a?b=1 with @alice.bsky.test #Workers today";
    const ref = await bluesky.publish(session, post(text));
    const [record] = (await state()).records;
    expect(ref).toEqual({ externalId: record!.uri, url: `https://bsky.app/profile/alice.bsky.test/post/${record!.rkey}` });
    const bytes = new TextEncoder().encode(text);
    const cut = (f: { index: { byteStart: number; byteEnd: number } }) => new TextDecoder().decode(bytes.slice(f.index.byteStart, f.index.byteEnd));
    const facets = record!.value.facets!;
    expect(facets.map(cut)).toEqual(["https://example.com/a?b=1", "@alice.bsky.test", "#Workers"]);
    expect(facets.map((f) => f.features[0])).toEqual([
      { $type: "app.bsky.richtext.facet#link", uri: "https://example.com/a?b=1" },
      { $type: "app.bsky.richtext.facet#mention", did: "did:plc:fakealice0000000000000" },
      { $type: "app.bsky.richtext.facet#tag", tag: "Workers" },
    ]);
  });

  it("uploads images as blobs with their alt text and aspect ratio", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    await bluesky.publish(await account(), post("With a picture", { media: [{ bytes: png, mime: "image/png", alt: "A chart of sign-ups", width: 1200, height: 800 }] }));
    const [record] = (await state()).records;
    expect(record!.value.embed!.images).toEqual([expect.objectContaining({ alt: "A chart of sign-ups", aspectRatio: { width: 1200, height: 800 } })]);
  });

  it("reuses the session: refreshes an expired access token, and signs in again only when the refresh token died too", async () => {
    const session = await account();
    await fake("clock", { advanceMs: 3 * 3600_000 });
    await bluesky.publish(session, post("After the access token expired"));
    expect((await state()).sessionsCreated).toBe(1);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 80 * 86400_000);

    await fake("clock", { advanceMs: 91 * 86400_000 });
    await bluesky.publish(session, post("After the refresh token expired"));
    expect((await state()).sessionsCreated).toBe(2);
    expect((await state()).records).toHaveLength(2);
  });

  it("validates against Bluesky's limits before sending anything", () => {
    expect(bluesky.validate(post("x".repeat(301)))).toEqual([expect.stringContaining("over")]);
    expect(bluesky.validate(post("ok", { media: [{ bytes: new Uint8Array(10), mime: "image/png", alt: " ", width: null, height: null }] }))).toContain("Every image needs alt text");
    expect(bluesky.validate(post("😀".repeat(300)))).toEqual([]);
  });

  it("writes every attempt of one publication to the same record key, which find() looks up", async () => {
    const session = await account();
    const once = post("Only once");
    expect(await bluesky.find(session, once)).toBeNull();
    const ref = await bluesky.publish(session, once);
    expect(await bluesky.find(session, once)).toEqual(ref);
    // A second create of the same publication returns the first post instead of making another.
    expect(await bluesky.publish(session, once)).toEqual(ref);
    expect((await state()).records).toHaveLength(1);
  });

  it("turns a lost answer into `unknown`, a 429 into `rate_limited` with the reset time, and a 502 into `unavailable`", async () => {
    const session = await account();
    await fake("faults", { acceptThenDrop: 1 });
    await expect(bluesky.publish(session, post("dropped"))).rejects.toMatchObject({ kind: "unknown" });
    await fake("faults", { rateLimited: 1 });
    const limited = await bluesky.publish(session, post("limited")).catch((e: PlatformError) => e);
    expect(limited).toMatchObject({ kind: "rate_limited" });
    expect((limited as PlatformError).details.retryAt).toBeGreaterThan(Date.now());
    await fake("faults", { status5xx: 1 });
    await expect(bluesky.publish(session, post("failing"))).rejects.toMatchObject({ kind: "unavailable", message: expect.stringContaining("UpstreamFailure") });
  });
});

describe("threads", () => {
  const thread = () => post("1/3 The tram opens on Monday", { thread: ["2/3 Twelve stations across the river", "3/3 See you at #Lyon"] });
  const ref = (r: Stored) => ({ uri: r.uri, cid: r.cid });
  /** The records in key order, which is the thread's order. */
  const records = async () => (await state()).records.sort((a, b) => (a.rkey < b.rkey ? -1 : 1));

  function expectChain(stored: Stored[]) {
    const [first, second, third] = stored;
    expect(stored.map((r) => r.value.text)).toEqual(["1/3 The tram opens on Monday", "2/3 Twelve stations across the river", "3/3 See you at #Lyon"]);
    expect(first!.value.reply).toBeUndefined();
    expect(second!.value.reply).toEqual({ root: ref(first!), parent: ref(first!) });
    expect(third!.value.reply).toEqual({ root: ref(first!), parent: ref(second!) });
  }

  it("publishes a 3-part thread as a chain of replies in order, the media on the first post, and links the first", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const session = await account();
    const result = await bluesky.publish(session, { ...thread(), media: [{ bytes: png, mime: "image/png", alt: "A tram", width: null, height: null }] });
    const stored = await records();
    expectChain(stored);
    expect(result).toEqual({ externalId: stored[0]!.uri, url: `https://bsky.app/profile/alice.bsky.test/post/${stored[0]!.rkey}` });
    expect(stored.map((r) => Boolean(r.value.embed))).toEqual([true, false, false]);
    // Each part's facets are its own: the hashtag is found in the third post's bytes.
    expect(stored[2]!.value.facets!.map((f) => f.features[0])).toEqual([{ $type: "app.bsky.richtext.facet#tag", tag: "Lyon" }]);
  });

  it("after the answer for post 2 is lost, find() does not call the thread done and the retry posts only post 3: each part exactly once", async () => {
    const session = await account();
    const once = thread();
    await fake("faults", { acceptThenDrop: 1, passBeforeDrop: 1 });
    await expect(bluesky.publish(session, once)).rejects.toMatchObject({ kind: "unknown" });
    expect((await records()).map((r) => r.value.text)).toEqual(["1/3 The tram opens on Monday", "2/3 Twelve stations across the river"]);
    // The first post exists but the thread is not whole: not found, so publish.ts publishes again.
    expect(await bluesky.find(session, once)).toBeNull();
    const result = await bluesky.publish(session, once);
    const stored = await records();
    expect(stored).toHaveLength(3);
    expectChain(stored);
    expect(result.externalId).toBe(stored[0]!.uri);
    expect(await bluesky.find(session, once)).toEqual(result);
  });

  it("refuses a part over Bluesky's limits before sending anything", () => {
    expect(bluesky.validate(post("ok", { thread: ["fine", "x".repeat(301)] }))).toEqual([expect.stringMatching(/^post 3 of the thread: 1 over Bluesky's limit of 300/)]);
  });

  it("the fake PDS refuses a reply whose parent or root does not exist", async () => {
    const session = await account();
    const first = await bluesky.publish(session, post("a post"));
    const [stored] = (await state()).records;
    const reply = (root: Ref, parent: Ref) =>
      fetch(`${PDS}/xrpc/com.atproto.repo.createRecord`, {
        method: "POST",
        headers: { authorization: `Bearer ${session.credentials.accessJwt}`, "content-type": "application/json" },
        body: JSON.stringify({ repo: session.externalId, collection: "app.bsky.feed.post", record: { $type: "app.bsky.feed.post", text: "a reply", createdAt: new Date().toISOString(), reply: { root, parent } } }),
      });
    const missing = { uri: `${first.externalId}x`, cid: "bafyreinothere" };
    expect((await reply(missing, missing)).status).toBe(400);
    expect((await reply(ref(stored!), { uri: stored!.uri, cid: "bafyreiwrongcid" })).status).toBe(400);
    expect((await reply(ref(stored!), ref(stored!))).status).toBe(200);
  });
});

describe("link cards", () => {
  type Card = { $type: string; external: { uri: string; title: string; description: string; thumb?: unknown } };
  it("shows a post's link as a card with the page's title and description, read safely", async () => {
    const session = await account();
    await bluesky.publish(session, post("A post with its link", { link: "https://blog.test/2026/launch" }));
    const [stored] = (await state()).records as unknown as { value: { embed: Card } }[];
    expect(stored!.value.embed).toEqual({
      $type: "app.bsky.embed.external",
      external: { uri: "https://blog.test/2026/launch", title: "Get your Frontend JavaScript Code Covered | Code | Nicolas Perriault", description: "Nicolas Perriault's homepage." },
    });
  });

  it("takes the Open Graph title, description and image, the image uploaded as the card's thumb", async () => {
    const session = await account();
    await bluesky.publish(session, post("Cards", { link: "https://cards.test/story" }));
    const [stored] = (await state()).records as unknown as { value: { embed: Card } }[];
    expect(stored!.value.embed.external).toMatchObject({ uri: "https://cards.test/story", title: "Trams & trains", description: "Twelve new stations.", thumb: { $type: "blob", mimeType: "image/png" } });
  });

  it("falls back to the bare link when the page cannot be read, and never fetches a private address", async () => {
    const session = await account();
    await bluesky.publish(session, post("Private link", { link: "http://10.0.0.1/admin" }));
    const [stored] = (await state()).records as unknown as { value: { embed: Card } }[];
    expect(stored!.value.embed.external).toEqual({ uri: "http://10.0.0.1/admin", title: "10.0.0.1", description: "" });
  });
});

describe("metrics", () => {
  it("reads likes, replies and reposts with quotes of a published post, and says when the post is gone", async () => {
    const session = await account();
    const ref = await bluesky.publish(session, post("Counted"));
    expect(await bluesky.metrics(session, ref)).toEqual({ impressions: null, likes: 0, comments: 0, shares: 0, clicks: null });
    await fake("engage", { uri: ref.externalId, likeCount: 12, replyCount: 3, repostCount: 4, quoteCount: 1 });
    expect(await bluesky.metrics(session, ref)).toEqual({ impressions: null, likes: 12, comments: 3, shares: 5, clicks: null });
    await fake("reset", {});
    await expect(bluesky.metrics(session, ref)).rejects.toMatchObject({ kind: "rejected" });
  });
});

describe("record keys", () => {
  it("are valid TIDs, the same for the same publication and different for different ones", async () => {
    const at = new Date("2026-03-29T01:30:00Z");
    const a = await tidFor("pub_a", at);
    expect(a).toMatch(/^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/);
    expect(await tidFor("pub_a", at)).toBe(a);
    expect(await tidFor("pub_b", at)).not.toBe(a);
  });
});
