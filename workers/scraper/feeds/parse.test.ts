/**
 * The feed parser against real feeds (../shared/corpora/feeds): rss-parser's fixtures with their
 * expected output, compared field by field (title, link, published instant), and feed-rs's fixtures
 * for robustness (each parses, or is refused with a FeedError — never anything else).
 */
import { describe, expect, it } from "vitest";
import { FeedError, parseFeedText } from "./parse";

const rssInputs = import.meta.glob("../../../../shared/corpora/feeds/rss-parser/input/*", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const rssOutputs = import.meta.glob("../../../../shared/corpora/feeds/rss-parser/output/*.json", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const feedRs = import.meta.glob("../../../../shared/corpora/feeds/feed-rs/fixture/**/*.{xml,json,rss,atom}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

const nameOf = (path: string) => path.split("/").pop()!.replace(/\.[^.]+$/, "");

describe("feeds corpus", () => {
  it("finds the corpora next to the project", () => {
    expect(Object.keys(rssInputs).length, "expected ../shared/corpora/feeds/rss-parser/input").toBeGreaterThan(25);
    expect(Object.keys(feedRs).length, "expected ../shared/corpora/feeds/feed-rs/fixture").toBeGreaterThan(50);
  });

  it("matches rss-parser's expected title, link and date for at least 95% of compared fields", () => {
    let compared = 0;
    let equal = 0;
    const misses: string[] = [];
    for (const [path, source] of Object.entries(rssInputs)) {
      const expectedRaw = Object.entries(rssOutputs).find(([p]) => nameOf(p) === nameOf(path))?.[1];
      if (!expectedRaw) continue;
      const expected = (JSON.parse(expectedRaw) as { feed: { items: { title?: string; link?: string; isoDate?: string }[] } }).feed;
      const parsed = parseFeedText(source);
      expected.items.forEach((want, i) => {
        const got = parsed.items[i];
        const pairs: [string, string | null | undefined, string | undefined][] = [
          ["title", got?.title, want.title?.trim()],
          ["link", got?.url, want.link?.trim()],
          ["date", got?.publishedAt?.toISOString(), want.isoDate ? new Date(want.isoDate).toISOString() : undefined],
        ];
        for (const [field, actual, wanted] of pairs) {
          if (wanted === undefined) continue;
          compared++;
          if (actual === wanted) equal++;
          else misses.push(`${nameOf(path)} #${i} ${field}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(wanted)}`);
        }
      });
    }
    expect(compared).toBeGreaterThan(1000);
    expect(equal / compared, misses.slice(0, 10).join("\n")).toBeGreaterThanOrEqual(0.95);
  });

  it("refuses a document that is not a feed with a message saying so", () => {
    const unrecognized = Object.entries(rssInputs).find(([p]) => nameOf(p) === "unrecognized")![1];
    expect(() => parseFeedText(unrecognized)).toThrow(new FeedError("This is not an RSS, Atom, RDF or JSON feed."));
    expect(() => parseFeedText("<html><body>hello</body></html>")).toThrow(FeedError);
  });

  it("reads every feed-rs fixture or refuses it with a FeedError, never anything else", () => {
    let parsed = 0;
    for (const [path, source] of Object.entries(feedRs)) {
      if (path.includes(".serde.")) continue;
      try {
        const feed = parseFeedText(source);
        for (const item of feed.items) if (item.publishedAt) expect(Number.isNaN(item.publishedAt.getTime()), path).toBe(false);
        parsed++;
      } catch (err) {
        expect(err, path).toBeInstanceOf(FeedError);
      }
    }
    expect(parsed).toBeGreaterThan(40);
  });

  it("normalises the four formats into one item model", () => {
    const json = parseFeedText(JSON.stringify({ version: "https://jsonfeed.org/version/1.1", title: "J", home_page_url: "https://j.example/", items: [{ id: "1", url: "https://j.example/1", title: "One", date_published: "2026-11-01T10:00:00+01:00", content_html: "<p>x</p>", authors: [{ name: "Jo" }] }] }));
    expect(json).toEqual({
      format: "json",
      title: "J",
      siteUrl: "https://j.example/",
      items: [{ id: "1", url: "https://j.example/1", title: "One", author: "Jo", publishedAt: new Date("2026-11-01T09:00:00Z"), summary: null, contentHtml: "<p>x</p>", imageUrl: null }],
    });
    const atom = parseFeedText(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><link href="https://a.example/"/><entry><id>urn:1</id><title>Entry</title><link rel="alternate" href="https://a.example/e"/><updated>2026-11-02T00:00:00Z</updated><author><name>Al</name></author><summary>S</summary></entry></feed>`);
    expect(atom.items[0]).toMatchObject({ id: "urn:1", url: "https://a.example/e", title: "Entry", author: "Al", summary: "S", publishedAt: new Date("2026-11-02T00:00:00Z") });
  });
});
