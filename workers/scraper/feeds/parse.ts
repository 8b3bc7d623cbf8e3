/**
 * RSS (0.9x–2.0), RDF (RSS 1.0), Atom and JSON Feed, parsed by feedsmith and normalised into one
 * item model the rest of the scraper works with. Dates become real instants, links become absolute
 * URLs, and a feed that is not a feed is refused with a typed error that says so.
 */
import { parseFeed } from "feedsmith";

/** One entry of any feed format, in the scraper's own terms. */
export type FeedItem = {
  /** The feed's own identifier (guid, Atom id, JSON Feed id), else the link. */
  id: string | null;
  url: string | null;
  title: string | null;
  /** Names of the authors, joined with ", " (the entry's own, else the feed's where the format says they are inherited). */
  author: string | null;
  publishedAt: Date | null;
  summary: string | null;
  contentHtml: string | null;
  imageUrl: string | null;
};

export type ParsedFeed = { format: "rss" | "rdf" | "atom" | "json"; title: string | null; siteUrl: string | null; items: FeedItem[] };

/** The document is not a feed, or is too broken to read; the message says which, for the source's health. */
export class FeedError extends Error {
  override name = "FeedError";
}

export type ParseFeedOptions = {
  /** Where the feed was fetched from: relative links in it are resolved against this (then against the site's link). */
  baseUrl?: string;
};

type Loose = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v.trim() : null);
const obj = (v: unknown): Loose => (v && typeof v === "object" ? (v as Loose) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const first = (v: unknown): unknown => arr(v)[0];

/** Text of an Atom text construct, a plain string, or `{ value }`. */
const text = (v: unknown): string | null => str(v) ?? str(obj(v).value);

/** An instant from an RFC 822 or ISO 8601 date; null when there is none or it is not a date. */
export function toInstant(value: unknown): Date | null {
  const raw = str(value);
  if (!raw) return null;
  const date = new Date(raw);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * A person as the formats write one: `{ name, email }`, a plain name, or RSS's
 * `email (Name)` convention, where the name is what a reader wants to see.
 */
function personName(v: unknown): string | null {
  const person = obj(v);
  const raw = str(v) ?? str(person.name) ?? str(person.email);
  if (!raw) return null;
  return raw.match(/^\S+@\S+\s*\((.+)\)$/)?.[1]?.trim() ?? raw;
}

function names(...lists: unknown[]): string | null {
  for (const list of lists) {
    const found = [...new Set(arr(list).map(personName).filter((n): n is string => n !== null))];
    if (found.length) return found.join(", ");
  }
  return null;
}

/** Resolves links against the feed's site and the URL it came from; a link that cannot be made absolute stays as written. */
function resolver(...bases: (string | null | undefined)[]) {
  return (value: string | null): string | null => {
    if (!value) return null;
    for (const base of [...bases.filter(Boolean), undefined]) {
      try {
        return new URL(value, base ?? undefined).href;
      } catch {
        // Not absolute against this base; try the next one.
      }
    }
    return value;
  };
}

function mediaImage(item: Loose): string | null {
  const media = obj(item.media);
  const candidates = [...arr(media.contents), ...arr(obj(first(media.groups)).contents), ...arr(media.thumbnails)].map(obj);
  const image = candidates.find((c) => str(c.url) && (!str(c.medium) || c.medium === "image") && !/^(video|audio)\//.test(String(c.type ?? "")));
  if (image) return str(image.url);
  const enclosure = arr(item.enclosures).map(obj).find((e) => String(e.type ?? "").startsWith("image/"));
  return str(enclosure?.url) ?? str(obj(item.itunes).image);
}

function rssItem(item: Loose, link: (v: string | null) => string | null): FeedItem {
  const dc = obj(item.dc);
  const content = obj(item.content);
  const guid = obj(item.guid);
  const url = str(item.link) ?? (guid.isPermaLink !== false ? str(guid.value) : null);
  return {
    id: str(guid.value) ?? str(item.guid) ?? str(obj(item.rdf).about) ?? url,
    url: link(url),
    title: text(item.title) ?? str(first(dc.titles)),
    author: names(item.authors, dc.creators, obj(item.itunes).author),
    publishedAt: toInstant(item.pubDate) ?? toInstant(first(dc.dates)),
    summary: str(item.description) ?? str(first(dc.descriptions)),
    contentHtml: str(content.encoded) ?? str(item.description) ?? str(first(dc.descriptions)),
    imageUrl: link(mediaImage(item)),
  };
}

function atomEntry(entry: Loose, feedAuthors: unknown, link: (v: string | null) => string | null): FeedItem {
  const links = arr(entry.links).map(obj);
  const alternate = links.find((l) => !l.rel || l.rel === "alternate") ?? links[0];
  return {
    id: str(entry.id),
    url: link(str(alternate?.href)),
    title: text(entry.title),
    // RFC 4287 §4.2.1: an entry without its own author has the feed's.
    author: names(entry.authors, obj(entry.source).authors, feedAuthors),
    publishedAt: toInstant(entry.published) ?? toInstant(entry.updated),
    summary: text(entry.summary),
    contentHtml: text(entry.content) ?? text(entry.summary),
    imageUrl: link(mediaImage(entry) ?? str(links.find((l) => l.rel === "enclosure" && String(l.type ?? "").startsWith("image/"))?.href)),
  };
}

function jsonItem(item: Loose, feedAuthors: unknown, link: (v: string | null) => string | null): FeedItem {
  const url = str(item.url) ?? str(item.external_url);
  return {
    id: str(item.id) ?? (typeof item.id === "number" ? String(item.id) : null) ?? url,
    url: link(url),
    title: str(item.title),
    // JSON Feed 1.1: `authors` replaces the deprecated `author`; items without one have the feed's.
    author: names(item.authors, item.author, feedAuthors),
    publishedAt: toInstant(item.date_published) ?? toInstant(item.date_modified),
    summary: str(item.summary),
    contentHtml: str(item.content_html) ?? str(item.content_text),
    imageUrl: link(str(item.image) ?? str(item.banner_image)),
  };
}

/**
 * Parses a feed of any of the four formats into the one model.
 * @throws FeedError when the text is not a feed, or not one feedsmith can read.
 */
export function parseFeedText(source: string, options: ParseFeedOptions = {}): ParsedFeed {
  if (!source.trim()) throw new FeedError("The feed is empty.");
  let parsed: { format: string; feed: unknown };
  try {
    parsed = parseFeed(source) as { format: string; feed: unknown };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new FeedError(/unrecognized/i.test(reason) ? "This is not an RSS, Atom, RDF or JSON feed." : `The feed could not be read: ${reason}`);
  }
  const feed = obj(parsed.feed);
  const absolute = resolver(options.baseUrl);
  switch (parsed.format) {
    case "rss":
    case "rdf": {
      const siteUrl = absolute(str(feed.link));
      const link = resolver(siteUrl, options.baseUrl);
      return { format: parsed.format, title: text(feed.title), siteUrl, items: arr(feed.items).map((i) => rssItem(obj(i), link)) };
    }
    case "atom": {
      const links = arr(feed.links).map(obj);
      const site = links.find((l) => !l.rel || l.rel === "alternate") ?? links.find((l) => l.rel !== "self");
      const siteUrl = absolute(str(site?.href));
      const link = resolver(siteUrl, options.baseUrl);
      return { format: "atom", title: text(feed.title), siteUrl, items: arr(feed.entries).map((e) => atomEntry(obj(e), feed.authors, link)) };
    }
    case "json": {
      const siteUrl = absolute(str(feed.home_page_url));
      const link = resolver(siteUrl, options.baseUrl);
      return { format: "json", title: str(feed.title), siteUrl, items: arr(feed.items).map((i) => jsonItem(obj(i), feed.authors ?? feed.author, link)) };
    }
    default:
      throw new FeedError(`Unsupported feed format ${parsed.format}`);
  }
}
