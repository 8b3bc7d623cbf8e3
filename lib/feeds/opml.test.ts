import { describe, expect, it } from "vitest";
import { OpmlError, readOpml, writeOpml, type OpmlFeed } from "./opml";

const exported = `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="Tech" title="Tech">
      <outline type="rss" text="Ars Technica" title="Ars Technica" xmlUrl="https://feeds.arstechnica.com/arstechnica/index" htmlUrl="https://arstechnica.com"/>
      <outline text="Deeper">
        <outline type="rss" text="LWN" xmlUrl="https://lwn.net/headlines/rss"/>
      </outline>
    </outline>
    <outline type="rss" text="The Guardian" xmlUrl="https://www.theguardian.com/us/rss"/>
    <outline type="rss" text="Guardian again" xmlUrl="https://www.theguardian.com/us/rss"/>
    <outline text="A note without a feed"/>
  </body>
</opml>`;

describe("readOpml", () => {
  it("flattens folders into feeds with their category, each URL once", () => {
    expect(readOpml(exported)).toEqual({
      title: "My subscriptions",
      feeds: [
        { url: "https://feeds.arstechnica.com/arstechnica/index", title: "Ars Technica", siteUrl: "https://arstechnica.com", category: "Tech" },
        { url: "https://lwn.net/headlines/rss", title: "LWN", siteUrl: null, category: "Deeper" },
        { url: "https://www.theguardian.com/us/rss", title: "The Guardian", siteUrl: null, category: null },
      ],
    });
  });

  it("refuses what is not OPML with a message saying so", () => {
    expect(() => readOpml("<rss><channel/></rss>")).toThrow(OpmlError);
    expect(() => readOpml("not xml at all")).toThrow(/not an OPML file/);
  });
});

describe("writeOpml", () => {
  it("writes a file that reads back to the same feeds", () => {
    const feeds: OpmlFeed[] = [
      { url: "https://a.example/feed.xml", title: "A & B", siteUrl: "https://a.example/", category: "News" },
      { url: "https://c.example/rss", title: null, siteUrl: null, category: null },
      { url: "https://d.example/atom", title: "D", siteUrl: null, category: "News" },
    ];
    const xml = writeOpml({ title: "Workspace sources", feeds });
    expect(xml).toContain("<opml");
    expect(xml).toContain("A &amp; B");
    const back = readOpml(xml);
    expect(back.title).toBe("Workspace sources");
    expect(back.feeds).toEqual([
      feeds[0],
      { ...feeds[2] },
      { url: "https://c.example/rss", title: "https://c.example/rss", siteUrl: null, category: null },
    ]);
  });
});
