/**
 * One run of one source: politely fetch it (robots.txt, per-domain spacing, conditional GET,
 * SSRF-safe), parse it, store the new items (exact duplicates by canonical URL, near-duplicates
 * grouped into stories), and record the source's health. A failure backs the source off
 * exponentially and keeps the real message for the UI.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import { database, type Db } from "../../../lib/db/client";
import { sourceItems, sources, type Source } from "../../../lib/db/schema";
import { FetchRefused, safeFetch, type Resolver } from "../../../lib/http/safe-fetch";
import { renderPage } from "../render/browser";
import { newId } from "../../../lib/ids";
import { canonicalUrl } from "../dedup/canonical";
import { hammingDistance, NEAR_DUPLICATE_BITS, simhash } from "../dedup/simhash";
import { extractArticle } from "../extract/article";
import { parseFeedText, type FeedItem } from "../feeds/parse";
import { isAllowed, parseRobots, ALLOW_ALL, type RobotsRules } from "../robots/robots";
import { sanitizeHtml } from "../../../lib/html/sanitize";

const MAX_BACKOFF_MS = 24 * 60 * 60 * 1000;
/** Less text than this is a page shell or a stub, not an article (Readability's own readerable threshold). */
const MIN_ARTICLE_CHARS = 140;
/** How many recent items of the workspace a new item is compared with for near-duplicates. */
const STORY_WINDOW = 300;

export type RunOptions = {
  resolve?: Resolver;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Test-only (see safeFetch): reach fake servers on this machine. The queue consumer never sets it. */
  allowLoopback?: boolean;
};
export type RunResult = { status: "ok" | "not_modified" | "failed" | "skipped"; added: number; error?: string };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Page = { url: string; status: number; text: string; notModified: boolean; etag: string | null; lastModified: string | null };

/**
 * A web page as its readers see it: through Browser Rendering when the source needs JavaScript
 * (no conditional GET there: the rendered DOM has no validators), else one safe fetch.
 */
async function readPage(env: Env, source: Source, url: string, options: RunOptions, validators: { etag?: string | null; lastModified?: string | null } = {}): Promise<Page> {
  const safety = { resolve: options.resolve, allowLoopback: options.allowLoopback };
  if (source.needsJs && (source.kind === "page" || (source.kind === "sitemap" && url !== source.url))) {
    const rendered = await renderPage(env.BROWSER, url, safety);
    return { url: rendered.url, status: rendered.status, text: rendered.html, notModified: false, etag: null, lastModified: null };
  }
  return safeFetch(url, { ...validators, ...safety });
}

async function robotsFor(env: Env, url: URL, options: RunOptions): Promise<RobotsRules> {
  const politeness = env.DOMAIN_POLITENESS.get(env.DOMAIN_POLITENESS.idFromName(url.host));
  let body = await politeness.cachedRobots();
  if (body === null) {
    try {
      const page = await safeFetch(new URL("/robots.txt", url).href, { resolve: options.resolve, allowLoopback: options.allowLoopback, maxBytes: 512 * 1024 });
      // A missing robots.txt (4xx) allows everything; a server error is read as "try later".
      if (page.status >= 500) throw new Error(`robots.txt answered ${page.status}`);
      body = page.status >= 400 ? "" : page.text;
    } catch (err) {
      if (err instanceof FetchRefused) throw err;
      body = "";
    }
    await politeness.storeRobots(body);
  }
  return body ? parseRobots(body) : ALLOW_ALL;
}

function itemsOf(source: Source, text: string, pageUrl: string): FeedItem[] {
  switch (source.kind) {
    // A channel's uploads (YouTube's Atom feed) and Google Trends' daily trends are feeds too.
    case "feed":
    case "youtube":
    case "google_trends":
      return parseFeedText(text, { baseUrl: pageUrl }).items;
    case "page": {
      const article = extractArticle(text, pageUrl);
      // A page whose scripts build the article has only a shell ("Loading…") without a browser.
      if (!article?.title || article.text.length < MIN_ARTICLE_CHARS) {
        throw new Error(`No article found on this page${source.needsJs ? "" : " (if it needs JavaScript to show its content, mark the source “needs JavaScript”)"}`);
      }
      return [
        {
          id: article.canonicalUrl ?? pageUrl,
          url: article.canonicalUrl ?? pageUrl,
          title: article.title,
          author: article.byline,
          publishedAt: article.publishedAt,
          summary: article.excerpt,
          contentHtml: article.html,
          imageUrl: article.leadImageUrl,
        },
      ];
    }
    case "reddit": {
      const listing = JSON.parse(text) as { data?: { children?: { data: { name: string; title: string; permalink: string; url?: string; author?: string; created_utc?: number; selftext?: string; thumbnail?: string } }[] } };
      return (listing.data?.children ?? []).map(({ data }) => ({
        id: data.name,
        url: data.url && /^https?:/.test(data.url) ? data.url : `https://www.reddit.com${data.permalink}`,
        title: data.title,
        author: data.author ?? null,
        publishedAt: data.created_utc ? new Date(data.created_utc * 1000) : null,
        summary: data.selftext || null,
        contentHtml: null,
        imageUrl: data.thumbnail && /^https?:/.test(data.thumbnail) ? data.thumbnail : null,
      }));
    }
    default:
      throw new Error(`Sources of kind ${source.kind} are not fetched yet`);
  }
}

/** Stories of a Hacker News list fetched one by one (the official API has no batch read), politely. */
const HN_STORIES = 20;

async function hackerNewsItems(env: Env, idsJson: string, options: RunOptions): Promise<FeedItem[]> {
  const ids = (JSON.parse(idsJson) as unknown[]).filter((id): id is number => typeof id === "number").slice(0, HN_STORIES);
  const politeness = env.DOMAIN_POLITENESS.get(env.DOMAIN_POLITENESS.idFromName("hacker-news.firebaseio.com"));
  const items: FeedItem[] = [];
  for (const id of ids) {
    const wait = await politeness.reserve();
    if (wait > 0) await (options.sleep ?? defaultSleep)(wait);
    const page = await safeFetch(`https://hacker-news.firebaseio.com/v0/item/${id}.json`, { resolve: options.resolve, allowLoopback: options.allowLoopback });
    const story = JSON.parse(page.text) as { id: number; type?: string; title?: string; url?: string; by?: string; time?: number; text?: string; dead?: boolean; deleted?: boolean } | null;
    if (!story || story.dead || story.deleted || story.type !== "story" || !story.title) continue;
    items.push({
      id: `hn:${story.id}`,
      url: story.url ?? `https://news.ycombinator.com/item?id=${story.id}`,
      title: story.title,
      author: story.by ?? null,
      publishedAt: story.time ? new Date(story.time * 1000) : null,
      summary: story.text ?? null,
      contentHtml: null,
      imageUrl: null,
    });
  }
  return items;
}

/** The newest pages of a sitemap (by lastmod), each fetched politely and read like a page source. */
const SITEMAP_PAGES = 10;

export function sitemapUrls(xml: string): { url: string; lastmod: number }[] {
  const entries = [...xml.matchAll(/<url>([\s\S]*?)<\/url>/g)].map((m) => {
    const loc = m[1]!.match(/<loc>\s*([^<\s]+)\s*<\/loc>/)?.[1] ?? "";
    const lastmod = Date.parse(m[1]!.match(/<lastmod>\s*([^<\s]+)\s*<\/lastmod>/)?.[1] ?? "");
    return { url: loc.replace(/&amp;/g, "&"), lastmod: Number.isNaN(lastmod) ? 0 : lastmod };
  });
  return entries.filter((e) => /^https?:\/\//.test(e.url)).sort((a, b) => b.lastmod - a.lastmod);
}

async function sitemapItems(env: Env, source: Source, xml: string, options: RunOptions): Promise<FeedItem[]> {
  const items: FeedItem[] = [];
  for (const { url } of sitemapUrls(xml).slice(0, SITEMAP_PAGES)) {
    const host = new URL(url).host;
    const wait = await env.DOMAIN_POLITENESS.get(env.DOMAIN_POLITENESS.idFromName(host)).reserve();
    if (wait > 0) await (options.sleep ?? defaultSleep)(wait);
    try {
      const page = await readPage(env, source, url, options);
      if (page.status < 400) items.push(...itemsOf({ ...source, kind: "page" }, page.text, page.url));
    } catch (err) {
      // One page that cannot be read does not fail the sitemap; a refusal (SSRF) does.
      if (err instanceof FetchRefused) throw err;
    }
  }
  return items;
}

async function storeItems(db: Db, source: Source, items: FeedItem[]): Promise<number> {
  const recent = await db
    .select({ id: sourceItems.id, simhash: sourceItems.simhash, storyId: sourceItems.storyId })
    .from(sourceItems)
    .where(eq(sourceItems.workspaceId, source.workspaceId))
    .orderBy(desc(sourceItems.createdAt))
    .limit(STORY_WINDOW)
    .all();
  const statements = [];
  for (const item of items) {
    const url = item.url ? canonicalUrl(item.url) : null;
    if (!url || !item.title) continue;
    const id = newId("itm");
    const hash = simhash(`${item.title} ${item.summary ?? ""}`.replace(/<[^>]+>/g, " "));
    const story = recent.find((r) => hammingDistance(r.simhash, hash) <= NEAR_DUPLICATE_BITS);
    const storyId = story?.storyId ?? id;
    recent.unshift({ id, simhash: hash, storyId });
    statements.push(
      db
        .insert(sourceItems)
        .values({
          id,
          workspaceId: source.workspaceId,
          sourceId: source.id,
          canonicalUrl: url,
          url: item.url!,
          title: item.title.slice(0, 500),
          author: item.author,
          publishedAt: item.publishedAt,
          summary: item.summary ? sanitizeHtml(item.summary).slice(0, 5000) : null,
          contentHtml: item.contentHtml ? sanitizeHtml(item.contentHtml, { baseUrl: item.url! }) : null,
          imageUrl: item.imageUrl,
          simhash: hash,
          storyId,
        })
        .onConflictDoNothing()
        .returning({ id: sourceItems.id }),
    );
  }
  if (statements.length === 0) return 0;
  const results = await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
  return results.reduce((n, rows) => n + rows.length, 0);
}

export async function runSource(env: Env, sourceId: string, options: RunOptions = {}): Promise<RunResult> {
  const db = database(env.DB);
  const now = options.now ?? Date.now;
  const source = await db.select().from(sources).where(eq(sources.id, sourceId)).get();
  if (!source || source.paused) return { status: "skipped", added: 0 };
  const interval = source.intervalMinutes * 60_000;
  try {
    const url = new URL(source.url);
    const robots = await robotsFor(env, url, options);
    if (!isAllowed(robots, url.pathname + url.search)) throw new Error(`robots.txt of ${url.host} does not allow fetching ${url.pathname}`);
    const wait = await env.DOMAIN_POLITENESS.get(env.DOMAIN_POLITENESS.idFromName(url.host)).reserve((robots.crawlDelaySeconds ?? 0) * 1000);
    if (wait > 0) await (options.sleep ?? defaultSleep)(wait);
    const page = await readPage(env, source, source.url, options, { etag: source.etag, lastModified: source.lastModified });
    if (page.notModified) {
      await db.update(sources).set({ failures: 0, lastSuccessAt: new Date(now()), nextRunAt: new Date(now() + interval) }).where(eq(sources.id, source.id));
      return { status: "not_modified", added: 0 };
    }
    if (page.status >= 400) throw new Error(`${url.host} answered ${page.status}`);
    const found =
      source.kind === "hackernews"
        ? await hackerNewsItems(env, page.text, options)
        : source.kind === "sitemap"
          ? await sitemapItems(env, source, page.text, options)
          : itemsOf(source, page.text, page.url);
    const added = await storeItems(db, source, found);
    await db
      .update(sources)
      .set({
        etag: page.etag,
        lastModified: page.lastModified,
        failures: 0,
        lastSuccessAt: new Date(now()),
        itemsFound: sql`${sources.itemsFound} + ${added}`,
        nextRunAt: new Date(now() + interval),
      })
      .where(eq(sources.id, source.id));
    return { status: "ok", added };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const failures = source.failures + 1;
    const backoff = Math.min(interval * 2 ** (failures - 1), MAX_BACKOFF_MS);
    await db
      .update(sources)
      .set({ failures, lastError: message, lastErrorAt: new Date(now()), nextRunAt: new Date(now() + Math.max(backoff, interval)) })
      .where(and(eq(sources.id, source.id)));
    return { status: "failed", added: 0, error: message };
  }
}
