import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countLength, extractHashtags, findUrls, fitToLimit, limitsFor, measure, PLATFORMS, validateVariant, type Platform } from "./platforms";

describe("X counts by twitter-text v3", () => {
  it("ASCII: 280 fits, 281 does not", () => {
    expect(measure("x", "a".repeat(280))).toMatchObject({ ok: true, used: 280, remaining: 0 });
    expect(measure("x", "a".repeat(281))).toEqual({ ok: false, used: 281, max: 280, remaining: -1, problems: ["1 over X's limit of 280 characters"] });
  });
  it("CJK weighs 2, so 140 fill a post (conformance: 3 Latin + 160 CJK = 323)", () => {
    expect(countLength("x", "漢".repeat(140))).toBe(280);
    expect(measure("x", "漢".repeat(141)).ok).toBe(false);
    expect(countLength("x", `the${"故".repeat(160)}`)).toBe(323);
  });
  it("an emoji weighs 2, whole sequences included (conformance cases)", () => {
    expect(countLength("x", "😷👾😡🔥💩")).toBe(10);
    expect(countLength("x", "🙋🏽👨‍🎤")).toBe(4);
    expect(countLength("x", "H🐱☺👨‍👩‍👧‍👦")).toBe(7);
    expect(countLength("x", "🇫🇷1️⃣")).toBe(4);
    expect(countLength("x", "😷".repeat(141))).toBe(282);
  });
  it("the light ranges: general punctuation weighs 1, but … and • (outside them) weigh 2", () => {
    expect(countLength("x", "\u2000\u200a\u200d‐—“”′‷")).toBe(9);
    expect(countLength("x", "©")).toBe(1);
    expect(countLength("x", "…•")).toBe(4);
  });
  it("normalizes to NFC first: A + combining acute is one character", () => {
    expect(countLength("x", "A\u0301B")).toBe(2);
  });
  it("every URL counts 23 whatever its length (conformance cases)", () => {
    expect(countLength("x", "Hi http://test.co")).toBe(26);
    expect(countLength("x", "http://test.co")).toBe(23);
    expect(countLength("x", `see https://example.com/${"x".repeat(200)}`)).toBe(4 + 23);
    expect(countLength("x", "https://www.twitter.com/aloha ".repeat(10))).toBe(240);
  });
  it("finds URLs without a scheme as X does, and not what only looks like one", () => {
    expect(countLength("x", "example.com")).toBe(23);
    expect(countLength("x", "t.co")).toBe(23);
    expect(countLength("x", "twitter.jp")).toBe(10);
    expect(countLength("x", "twitter.jp/about")).toBe(23);
    expect(countLength("x", "ada@example.com")).toBe(15);
    expect(countLength("x", "index.html e.g. node.js")).toBe(23);
    // A 64-character label is not a domain (conformance).
    expect(countLength("x", `${"randomurl".repeat(7)}s.com`)).toBe(68);
  });
  it("finds a link right after non-ASCII text, and stays linear on long dotted runs", () => {
    expect(findUrls("日本example.com と 𠀋example.org").map((u) => u.url)).toEqual(["example.com", "example.org"]);
    const started = performance.now();
    expect(findUrls("a.".repeat(30_000))).toEqual([]);
    expect(findUrls("日.".repeat(30_000))).toEqual([]);
    expect(findUrls(`https://example.com/${")".repeat(30_000)}`)).toEqual([{ start: 0, end: 20, url: "https://example.com/" }]);
    expect(performance.now() - started).toBeLessThan(1000);
  });
  it("leaves sentence punctuation and unbalanced parentheses out of a URL", () => {
    expect(findUrls("Read https://example.com/a. Then (see example.org/x) and https://en.wikipedia.org/wiki/Foo_(bar)! https://example.com/𠀋.").map((u) => u.url)).toEqual([
      "https://example.com/a",
      "example.org/x",
      "https://en.wikipedia.org/wiki/Foo_(bar)",
      "https://example.com/𠀋",
    ]);
  });
  it("refuses the characters twitter-text refuses", () => {
    expect(measure("x", "hello\uFEFF").problems).toEqual(["X does not allow U+FEFF in the text"]);
  });
  it("a longer limit for an account that has one", () => {
    expect(measure("x", "a".repeat(1000), { maxLength: 25000 }).ok).toBe(true);
  });
});

describe("the other platforms' counting", () => {
  it("Bluesky counts graphemes, and bytes as a second cap", () => {
    expect(countLength("bluesky", "👨‍👩‍👧‍👦é")).toBe(2);
    expect(measure("bluesky", "a".repeat(300)).ok).toBe(true);
    expect(measure("bluesky", "👍".repeat(301)).ok).toBe(false);
    // 120 family emoji are 120 graphemes but 3,000 bytes; 121 go over the record's byte limit.
    expect(measure("bluesky", "👨‍👩‍👧‍👦".repeat(120)).ok).toBe(true);
    expect(measure("bluesky", "👨‍👩‍👧‍👦".repeat(121)).problems).toEqual(["3025 bytes: Bluesky allows at most 3000 bytes of text"]);
  });
  it("Threads counts an emoji as its UTF-8 bytes and allows at most 5 links", () => {
    expect(countLength("threads", "a😀")).toBe(5);
    expect(countLength("threads", "👨‍👩‍👧‍👦")).toBe(25);
    const links = Array.from({ length: 6 }, (_, i) => `https://example.com/${i}`).join(" ");
    expect(measure("threads", links).problems).toEqual(["6 links: Threads allows at most 5"]);
  });
  it("Mastodon counts http(s) URLs as 23 and a remote mention by its local part", () => {
    expect(countLength("mastodon", `hi https://example.com/${"x".repeat(100)}`)).toBe(3 + 23);
    expect(countLength("mastodon", "example.com")).toBe(11);
    expect(countLength("mastodon", "@ann@example.social")).toBe(4);
    expect(countLength("mastodon", "hi @a.b_c@mastodon.example!")).toBe(10);
    const started = performance.now();
    expect(countLength("mastodon", `@${"a".repeat(50_000)}`)).toBe(50_001);
    expect(performance.now() - started).toBeLessThan(1000);
  });
  it("Mastodon's limits come from the instance when it says so", () => {
    expect(measure("mastodon", "a".repeat(600)).ok).toBe(false);
    expect(measure("mastodon", "a".repeat(600), { maxLength: 1000 }).ok).toBe(true);
    expect(countLength("mastodon", "https://example.com", { urlLength: 30 })).toBe(30);
    expect(limitsFor("mastodon", { maxMedia: 8 }).media.maxItems).toBe(8);
  });
  it("YouTube's description is 5,000 bytes, and < > are not allowed", () => {
    expect(measure("youtube", "é".repeat(2500)).ok).toBe(true);
    expect(measure("youtube", "é".repeat(2501)).problems).toEqual(["2 over YouTube's limit of 5000 bytes"]);
    expect(measure("youtube", "a <b> c").problems).toEqual(["YouTube does not allow < > in the text"]);
  });
  it("TikTok counts UTF-16 units", () => {
    expect(countLength("tiktok", "a😀")).toBe(3);
  });
  it("the limits of the table", () => {
    const max = Object.fromEntries(PLATFORMS.map((p) => [p, measure(p, "").max]));
    expect(max).toEqual({ x: 280, bluesky: 300, threads: 500, mastodon: 500, linkedin: 3000, instagram: 2200, facebook: 63206, youtube: 5000, tiktok: 2200 });
  });
});

describe("hashtags", () => {
  it("finds tags with a letter, not inside words, URLs or keycaps", () => {
    expect(extractHashtags("#launch day! #2024 #café a#b ＃全角 https://example.com/#frag #️⃣ #tag_1")).toEqual(["launch", "café", "全角", "tag_1"]);
  });
  it("Instagram allows at most 30", () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `#tag${i}`).join(" ");
    expect(measure("instagram", tags(30)).ok).toBe(true);
    expect(measure("instagram", tags(31)).problems).toEqual(["31 hashtags: Instagram allows at most 30"]);
    expect(measure("x", tags(31)).problems).toEqual([]);
  });
});

describe("validateVariant", () => {
  const media = (n: number, mime: string, size?: number) => Array.from({ length: n }, () => ({ mime, size }));

  it("YouTube needs a title of at most 100 characters without < >, and a video", () => {
    expect(validateVariant("youtube", { text: "desc", title: "", media: [] })).toEqual(["YouTube needs a title", "YouTube needs at least one video"]);
    expect(validateVariant("youtube", { text: "desc", title: "t".repeat(101), media: media(1, "video/mp4") })).toEqual(["title is 1 over YouTube's limit of 100"]);
    expect(validateVariant("youtube", { text: "desc", title: "a > b", media: media(1, "video/mp4") })).toEqual(["YouTube does not allow > in the title"]);
  });
  it("X: up to 4 images, or 1 GIF, or 1 video", () => {
    expect(validateVariant("x", { text: "", media: media(4, "image/png") })).toEqual([]);
    expect(validateVariant("x", { text: "", media: media(5, "image/png") })).toEqual(["5 media: X allows at most 4", "5 images: X allows at most 4"]);
    expect(validateVariant("x", { text: "", media: media(2, "image/gif") })).toEqual(["2 GIFs: X allows at most 1"]);
    expect(validateVariant("x", { text: "", media: [...media(1, "image/png"), ...media(1, "video/mp4")] })).toEqual(["X does not mix images and videos in one post"]);
    expect(validateVariant("x", { text: "", media: media(1, "application/pdf") })).toEqual(["X does not accept application/pdf"]);
  });
  it("Bluesky takes a GIF as an image, and no image over 1,000,000 bytes", () => {
    expect(validateVariant("bluesky", { text: "", media: [...media(1, "image/gif"), ...media(3, "image/png")] })).toEqual([]);
    expect(validateVariant("bluesky", { text: "", media: media(1, "image/jpeg", 2_500_000) })).toEqual(["an image of 2.4 MB: Bluesky allows at most 1 MB"]);
  });
  it("Instagram: JPEG only, carousels of up to 10 mixing images and video, never without media", () => {
    expect(validateVariant("instagram", { text: "", media: media(1, "image/png") })).toEqual(["Instagram does not accept image/png"]);
    expect(validateVariant("instagram", { text: "", media: [...media(5, "image/jpeg"), ...media(5, "video/mp4")] })).toEqual([]);
    expect(validateVariant("instagram", { text: "", media: media(11, "image/jpeg") })).toEqual(["11 media: Instagram allows at most 10", "11 images: Instagram allows at most 10"]);
    expect(validateVariant("instagram", { text: "hi", media: [] })).toEqual(["Instagram needs at least one image or video"]);
  });
  it("LinkedIn takes a PDF document; TikTok needs media", () => {
    expect(validateVariant("linkedin", { text: "deck", media: media(1, "application/pdf") })).toEqual([]);
    expect(validateVariant("tiktok", { text: "hi", media: [] })).toEqual(["TikTok needs at least one image or video"]);
  });
});

describe("fitToLimit", () => {
  it("leaves a text that fits alone", () => {
    expect(fitToLimit("x", "Short and sweet.")).toBe("Short and sweet.");
  });
  it("cuts at the last whole sentence that fits", () => {
    const text = `${"First sentence is here. ".repeat(10)}And a last one that does not fit at all.`;
    const out = fitToLimit("x", text, { maxLength: 100 });
    expect(out).toBe("First sentence is here. ".repeat(4).trimEnd());
  });
  it("falls back to whole words and an ellipsis when no sentence keeps half the room", () => {
    const text = `Hi. ${"word ".repeat(100)}`;
    const out = fitToLimit("bluesky", text, { maxLength: 50 });
    expect(out).toBe(`Hi. ${"word ".repeat(8)}word…`);
    expect(countLength("bluesky", out)).toBe(49);
  });
  it("drops trailing punctuation before the ellipsis and counts the ellipsis (2 on X)", () => {
    const out = fitToLimit("x", "alpha, beta, gamma, delta, epsilon", { maxLength: 14 });
    expect(out).toBe("alpha, beta…");
    expect(countLength("x", out)).toBe(13);
  });
  it("shortens a very long text quickly", () => {
    const text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit — ".repeat(5000);
    const started = performance.now();
    const out = fitToLimit("facebook", text);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(out.length).toBeLessThanOrEqual(63206);
    expect(out.length).toBeGreaterThan(63000);
  });
  it("gives nothing rather than half a word", () => {
    expect(fitToLimit("x", "x".repeat(400))).toBe("");
  });
  it("never goes over and never cuts a word, for every platform's counting (property)", () => {
    const word = fc.oneof(
      fc.constantFrom("word", "漢字", "👨‍👩‍👧‍👦", "naïve", "https://example.com/some/path", "example.org", "#tag", "@ann@host.social", "<b>", "é"),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }),
    );
    const separator = fc.constantFrom(" ", ". ", "! ", "\n\n", ", ", " — ");
    const text = fc.array(fc.tuple(word, separator), { minLength: 1, maxLength: 60 }).map((parts) => parts.map(([w, s]) => w + s).join("").trim());
    const wordChar = /[\p{L}\p{N}\p{M}]/u;
    fc.assert(
      fc.property(fc.constantFrom<Platform>(...PLATFORMS), text, fc.integer({ min: 1, max: 200 }), (platform, input, maxLength) => {
        const out = fitToLimit(platform, input, { maxLength });
        const m = measure(platform, out, { maxLength });
        expect(m.used).toBeLessThanOrEqual(maxLength);
        expect(m.problems.filter((p) => p.includes("bytes"))).toEqual([]);
        const body = out.endsWith("…") && !input.startsWith(out) ? out.slice(0, -1) : out;
        expect(input.startsWith(body)).toBe(true);
        const next = input.slice(body.length, body.length + 1);
        expect(wordChar.test(body.slice(-1)) && wordChar.test(next)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
