/**
 * OPML, the format feed readers exchange subscriptions in. Reading flattens the outline tree into
 * a list of feeds (the folder a feed sat in kept as its category); writing produces a file any feed
 * reader imports. Whether each URL may become a source is the caller's decision, not this file's.
 */
import { generateOpml, parseOpml, type DateLike, type Opml } from "feedsmith";

export type OpmlFeed = {
  /** The feed's own URL (`xmlUrl`), as written in the file. */
  url: string;
  title: string | null;
  /** The site the feed belongs to (`htmlUrl`). */
  siteUrl: string | null;
  /** The outline folder the feed was in, if any. */
  category: string | null;
};

export type OpmlDocument = { title: string | null; feeds: OpmlFeed[] };

/** The file is not OPML; the message says why, for the person who uploaded it. */
export class OpmlError extends Error {
  override name = "OpmlError";
}

type Outline = { text?: unknown; title?: unknown; xmlUrl?: unknown; htmlUrl?: unknown; outlines?: unknown };

const str = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v.trim() : null);
const outlinesOf = (v: unknown): Outline[] => (Array.isArray(v) ? v.filter((o): o is Outline => !!o && typeof o === "object") : []);

function feedsIn(outlines: Outline[], category: string | null): OpmlFeed[] {
  return outlines.flatMap((outline) => {
    const title = str(outline.title) ?? str(outline.text);
    const url = str(outline.xmlUrl);
    const own = url ? [{ url, title, siteUrl: str(outline.htmlUrl), category }] : [];
    return [...own, ...feedsIn(outlinesOf(outline.outlines), url ? category : (title ?? category))];
  });
}

/**
 * The feeds of an OPML file, in document order, each URL once.
 * @throws OpmlError when the text is not OPML.
 */
export function readOpml(xml: string): OpmlDocument {
  let opml: { head?: { title?: unknown }; body?: { outlines?: unknown } };
  try {
    opml = parseOpml(xml) as typeof opml;
  } catch (err) {
    throw new OpmlError(`This is not an OPML file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const seen = new Set<string>();
  const feeds = feedsIn(outlinesOf(opml.body?.outlines), null).filter((feed) => !seen.has(feed.url) && seen.add(feed.url));
  return { title: str(opml.head?.title), feeds };
}

/** An OPML 2.0 file listing the feeds, grouped in folders by category. */
export function writeOpml(document: { title: string; feeds: OpmlFeed[] }): string {
  const outline = (feed: OpmlFeed): Opml.Outline<DateLike> => ({
    type: "rss",
    text: feed.title ?? feed.url,
    ...(feed.title ? { title: feed.title } : {}),
    xmlUrl: feed.url,
    ...(feed.siteUrl ? { htmlUrl: feed.siteUrl } : {}),
  });
  const categories = [...new Set(document.feeds.map((f) => f.category))];
  const outlines = categories.flatMap((category): Opml.Outline<DateLike>[] => {
    const members = document.feeds.filter((f) => f.category === category).map(outline);
    return category === null ? members : [{ text: category, title: category, outlines: members }];
  });
  return generateOpml({ head: { title: document.title }, body: { outlines } });
}
