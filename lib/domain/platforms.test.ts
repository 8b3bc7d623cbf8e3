import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countLength, measure, PLATFORMS, validateVariant } from "./platforms";

describe("X weighted counting (twitter-text v3)", () => {
  it("ASCII: 280 fits, 281 does not", () => {
    expect(measure("x", "a".repeat(280)).ok).toBe(true);
    expect(measure("x", "a".repeat(281))).toMatchObject({ ok: false, used: 281, remaining: -1 });
  });
  it("CJK characters weigh 2, so 140 fill a post", () => {
    expect(countLength("x", "漢".repeat(140))).toBe(280);
    expect(measure("x", "漢".repeat(141)).ok).toBe(false);
  });
  it("an emoji, even a ZWJ family sequence, weighs 2", () => {
    expect(countLength("x", "👍")).toBe(2);
    expect(countLength("x", "👨‍👩‍👧‍👦")).toBe(2);
    expect(countLength("x", "🇫🇷")).toBe(2);
  });
  it("every URL counts 23 whatever its length", () => {
    expect(countLength("x", "https://a.co")).toBe(23);
    expect(countLength("x", `see https://example.com/${"x".repeat(200)}`)).toBe(4 + 23);
  });
  it("typographic quotes and dashes weigh 1, but the ellipsis (U+2026) is outside the light ranges", () => {
    expect(countLength("x", "“quote” —")).toBe(9);
    expect(countLength("x", "…")).toBe(2);
  });
});

describe("other platforms", () => {
  it("Bluesky counts graphemes", () => {
    expect(countLength("bluesky", "👨‍👩‍👧‍👦é")).toBe(2);
    expect(measure("bluesky", "a".repeat(300)).ok).toBe(true);
    expect(measure("bluesky", "👍".repeat(301)).ok).toBe(false);
  });
  it("Mastodon counts URLs as 23 and its limit can be raised per instance", () => {
    expect(countLength("mastodon", `hi https://example.com/${"x".repeat(100)}`)).toBe(3 + 23);
    expect(measure("mastodon", "a".repeat(600)).ok).toBe(false);
    expect(measure("mastodon", "a".repeat(600), { maxLength: 1000 }).ok).toBe(true);
  });
  it("Instagram allows at most 30 hashtags", () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `#tag${i}`).join(" ");
    expect(measure("instagram", tags(30)).ok).toBe(true);
    expect(measure("instagram", tags(31)).problems).toEqual(["31 hashtags: Instagram allows at most 30"]);
  });
  it("the limits of the table", () => {
    const max = Object.fromEntries(PLATFORMS.map((p) => [p, measure(p, "").max]));
    expect(max).toEqual({ x: 280, bluesky: 300, threads: 500, mastodon: 500, linkedin: 3000, instagram: 2200, facebook: 63206, youtube: 5000, tiktok: 2200 });
  });
  it("YouTube needs a title of at most 100 and a video", () => {
    expect(validateVariant("youtube", { text: "desc", title: "", media: [] })).toEqual(["YouTube needs a title", "YouTube needs at least one image or video"]);
    expect(validateVariant("youtube", { text: "desc", title: "t".repeat(101), media: [{ mime: "video/mp4" }] })).toEqual(["title is 1 over YouTube's limit of 100"]);
  });
  it("media counts and types per platform", () => {
    const images = (n: number) => Array.from({ length: n }, () => ({ mime: "image/png" }));
    expect(validateVariant("x", { text: "", media: images(4) })).toEqual([]);
    expect(validateVariant("x", { text: "", media: images(5) })).toContain("5 media: X allows at most 4");
    expect(validateVariant("x", { text: "", media: [{ mime: "image/png" }, { mime: "video/mp4" }] })).toContain("X does not mix images and video in one post");
    expect(validateVariant("instagram", { text: "", media: [{ mime: "image/png" }] })).toContain("Instagram does not accept image/png");
  });
  it("character counts never go below the number of graphemes (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 100 }), (text) => {
        const graphemes = [...new Intl.Segmenter("en", { granularity: "grapheme" }).segment(text.normalize("NFC"))].length;
        for (const p of PLATFORMS) if (!/https?:\/\//.test(text)) expect(countLength(p, text)).toBeGreaterThanOrEqual(graphemes);
      }),
    );
  });
});
