/**
 * RSS (0.9x–2.0), RDF (RSS 1.0), Atom and JSON Feed, parsed by feedsmith and normalised into one
 * item model the rest of the scraper works with. Dates become real instants; a feed that is not a
 * feed is refused with a typed error that says so.
 */
import { parseFeed } from "feedsmith";

export type FeedItem = {
  id: string | null;
  url: string | null;
  title: string | null;
  author: string | null;
  publishedAt: Date | null;
  summary: string | null;
  contentHtml: string | null;
  imageUrl: string | null;
};

export type ParsedFeed = { format: "rss" | "rdf" | "atom" | "json"; title: string | null; siteUrl: string | null; items: FeedItem[] };

export class FeedError extends Error {
  override name = "FeedError";
}

type Loose = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v.trim() : null);
const obj = (v: unknown): Loose => (v && typeof v === "object" ? (v as Loose) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const first = (v: unknown): unknown => arr(v)[0];

/** Text of an Atom text construct, a plain string, or `{ value }`. */
const text = (v: unknown): string | null => str(v) ?? str(obj(v).value);

export function toInstant(value: unknown): Date | null {
  const raw = str(value);
  if (!raw) return null;
  const date = new Date(raw);
  return Number.isNaN(date.getTime()) ? null : date;
}

function mediaImage(item: Loose): string | null {
  const media = obj(item.media);
  const candidates = [...arr(media.contents), ...arr(obj(first(media.groups)).contents), ...arr(media.thumbnails)].map(obj);
  const image = candidates.find((c) => str(c.url) && (!str(c.medium) || c.medium === "image") && !/^(video|audio)\//.test(String(c.type ?? "")));
  if (image) return str(image.url);
  const enclosure = arr(item.enclosures).map(obj).find((e) => String(e.type ?? "").startsWith("image/"));
  return str(enclosure?.url) ?? str(obj(item.itunes).image);
}

function rssItem(item: Loose): FeedItem {
  const dc = obj(item.dc);
  const content = obj(item.content);
  const guid = obj(item.guid);
  const link = str(item.link) ?? (guid.isPermaLink !== false ? str(guid.value) : null);
  return {
    id: str(guid.value) ?? str(item.guid) ?? link,
    url: link,
    title: text(item.title) ?? str(first(dc.titles)),
    author: str(first(item.authors)) ?? str(first(dc.creators)) ?? str(obj(item.itunes).author),
    publishedAt: toInstant(item.pubDate) ?? toInstant(first(dc.dates)),
    summary: str(item.description),
    contentHtml: str(content.encoded) ?? str(item.description),
    imageUrl: mediaImage(item),
  };
}

function atomEntry(entry: Loose): FeedItem {
  const links = arr(entry.links).map(obj);
  const alternate = links.find((l) => !l.rel || l.rel === "alternate") ?? links[0];
  const author = obj(first(entry.authors));
  return {
    id: str(entry.id),
    url: str(alternate?.href),
    title: text(entry.title),
    author: str(author.name) ?? str(author.email),
    publishedAt: toInstant(entry.published) ?? toInstant(entry.updated),
    summary: text(entry.summary),
    contentHtml: text(entry.content) ?? text(entry.summary),
    imageUrl: mediaImage(entry) ?? str(links.find((l) => l.rel === "enclosure" && String(l.type ?? "").startsWith("image/"))?.href),
  };
}

function jsonItem(item: Loose): FeedItem {
  const author = obj(first(item.authors) ?? item.author);
  return {
    id: str(item.id) ?? str(item.url),
    url: str(item.url) ?? str(item.external_url),
    title: str(item.title),
    author: str(author.name),
    publishedAt: toInstant(item.date_published) ?? toInstant(item.date_modified),
    summary: str(item.summary),
    contentHtml: str(item.content_html) ?? str(item.content_text),
    imageUrl: str(item.image) ?? str(item.banner_image),
  };
}

export function parseFeedText(source: string): ParsedFeed {
  let parsed: { format: string; feed: unknown };
  try {
    parsed = parseFeed(source) as { format: string; feed: unknown };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new FeedError(/unrecognized/i.test(reason) ? "This is not an RSS, Atom, RDF or JSON feed." : `The feed could not be read: ${reason}`);
  }
  const feed = obj(parsed.feed);
  switch (parsed.format) {
    case "rss":
    case "rdf":
      return { format: parsed.format, title: text(feed.title), siteUrl: str(feed.link), items: arr(feed.items).map((i) => rssItem(obj(i))) };
    case "atom": {
      const links = arr(feed.links).map(obj);
      const site = links.find((l) => !l.rel || l.rel === "alternate") ?? links.find((l) => l.rel !== "self");
      return { format: "atom", title: text(feed.title), siteUrl: str(site?.href), items: arr(feed.entries).map((e) => atomEntry(obj(e))) };
    }
    case "json":
      return { format: "json", title: str(feed.title), siteUrl: str(feed.home_page_url), items: arr(feed.items).map((i) => jsonItem(obj(i))) };
    default:
      throw new FeedError(`Unsupported feed format ${parsed.format}`);
  }
}
