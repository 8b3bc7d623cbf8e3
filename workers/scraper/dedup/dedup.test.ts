import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalUrl } from "./canonical";
import { groupStories, hammingDistance, NEAR_DUPLICATE_BITS, simhash } from "./simhash";

describe("canonicalUrl", () => {
  it("makes a tracked link equal to its clean form", () => {
    const tracked = "HTTPS://News.Example.com:443/2026/11/story/index.html?utm_source=x&utm_medium=social&fbclid=abc&gclid=1&b=2&a=1#comments";
    expect(canonicalUrl(tracked)).toBe("https://news.example.com/2026/11/story/?a=1&b=2");
    expect(canonicalUrl("https://news.example.com/2026/11/story/?b=2&a=1")).toBe(canonicalUrl(tracked));
  });

  it("prefers rel=canonical on the same site, ignores it elsewhere", () => {
    expect(canonicalUrl("https://m.example.com/a?ref_src=tw", { relCanonical: "https://www.example.com/a" })).toBe("https://www.example.com/a");
    expect(canonicalUrl("https://example.com/a", { relCanonical: "https://spam.example.net/a" })).toBe("https://example.com/a");
    expect(canonicalUrl("https://example.com/a?x=1", { relCanonical: "/a" })).toBe("https://example.com/a");
  });

  it("decides 'same site' by the Public Suffix List, private suffixes included", () => {
    expect(canonicalUrl("https://amp.news.example.co.uk/s", { relCanonical: "https://www.example.co.uk/s" })).toBe("https://www.example.co.uk/s");
    expect(canonicalUrl("https://alice.github.io/post", { relCanonical: "https://bob.github.io/post" })).toBe("https://alice.github.io/post");
    expect(canonicalUrl("https://evil.co.uk/x", { relCanonical: "https://co.uk/x" })).toBe("https://evil.co.uk/x");
    expect(canonicalUrl("https://example.com/a", { relCanonical: "http://[::1" })).toBe("https://example.com/a");
  });

  it("never keeps a tracking parameter, wherever it sits (property)", () => {
    const tracker = fc.constantFrom("utm_source", "UTM_Campaign", "utm_content", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref_src", "_ga", "yclid");
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), tracker, fc.webSegment(), (url, key, value) => {
        const clean = canonicalUrl(url);
        if (clean === null) return;
        const tracked = new URL(url);
        tracked.searchParams.append(key, value);
        expect(canonicalUrl(tracked.href)).toBe(clean);
      }),
    );
  });

  it("does not depend on the order of the query (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.stringMatching(/^[a-z0-9]{0,6}$/)), { selector: ([k]) => k, maxLength: 6 }), (pairs) => {
        const forward = new URL("https://q.example/p");
        const backward = new URL("https://q.example/p");
        for (const [k, v] of pairs) forward.searchParams.append(k, v);
        for (const [k, v] of [...pairs].reverse()) backward.searchParams.append(k, v);
        expect(canonicalUrl(forward.href)).toBe(canonicalUrl(backward.href));
      }),
    );
  });

  it("refuses what is not an http(s) URL", () => {
    expect(canonicalUrl("javascript:alert(1)")).toBeNull();
    expect(canonicalUrl("not a url")).toBeNull();
  });

  it("is idempotent (property)", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const once = canonicalUrl(url);
        if (once !== null) expect(canonicalUrl(once)).toBe(once);
      }),
    );
  });
});

describe("simhash", () => {
  const story =
    "The city council voted on Tuesday to expand the bike lane network across downtown, adding twelve miles of protected lanes by next summer, after months of debate between residents and shop owners.";
  it("puts near-copies within a few bits and different stories far apart", () => {
    const copy = `${story} Read more on our website.`;
    const other = "Scientists found a new species of frog in the rainforest, a tiny amphibian whose call sounds like a bird, during a survey of the river basin last spring.";
    expect(hammingDistance(simhash(story), simhash(copy))).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS);
    expect(hammingDistance(simhash(story), simhash(other))).toBeGreaterThan(12);
    expect(groupStories([simhash(story), simhash(other), simhash(copy)])).toEqual([0, 1, 0]);
  });
  it("hammingDistance is a metric on 64-bit hashes (property)", () => {
    const hash = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => n.toString(16).padStart(16, "0"));
    fc.assert(
      fc.property(hash, hash, hash, (a, b, c) => {
        expect(hammingDistance(a, a)).toBe(0);
        expect(hammingDistance(a, b)).toBe(hammingDistance(b, a));
        expect(hammingDistance(a, b) === 0).toBe(a === b);
        expect(hammingDistance(a, c)).toBeLessThanOrEqual(hammingDistance(a, b) + hammingDistance(b, c));
        expect(hammingDistance(a, b)).toBeLessThanOrEqual(64);
      }),
    );
    expect(hammingDistance("ffffffffffffffff", "0000000000000000")).toBe(64);
  });

  it("groups a story's copies across outlets, in input order, with the first copy as the story", () => {
    const second = "Apple announced a new laptop with a faster chip and a brighter screen at its autumn event in Cupertino, shipping next month at the same price as last year.";
    const hashes = [story, second, `Update: ${second} Read more.`, `Breaking: ${story}`, "A short unrelated note about gardening and tomatoes in the spring."].map(simhash);
    expect(groupStories(hashes)).toEqual([0, 1, 1, 0, 2]);
  });

  it("is 16 hex digits and stable", () => {
    expect(simhash(story)).toMatch(/^[0-9a-f]{16}$/);
    expect(simhash(story)).toBe(simhash(story));
  });
});
