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
  it("is 16 hex digits and stable", () => {
    expect(simhash(story)).toMatch(/^[0-9a-f]{16}$/);
    expect(simhash(story)).toBe(simhash(story));
  });
});
