/**
 * A fake of the public web for the scraper's tests, plugged in as the Worker's outbound network
 * (miniflare's outboundService): real feeds from ../shared/corpora served with ETags and 304s, a
 * robots.txt, and DNS over HTTPS answers in Cloudflare's JSON format (so SSRF checks after DNS run
 * for real). Hosts under `.internal-dns.test` resolve to a private address.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fakeBluesky } from "./bluesky.ts";
import { fakeMeta } from "./meta.ts";
import { fakeTikTok } from "./tiktok.ts";
import { fakeYouTube } from "./youtube.ts";
import { fakeLinkedIn } from "./linkedin.ts";
import { fakeMastodon } from "./mastodon.ts";
import { fakeX } from "./x.ts";
import { openaiFake } from "./openai.ts";
import { postmarkFake } from "./postmark.ts";
import { resendFake } from "./resend.ts";
import { sendgridFake } from "./sendgrid.ts";
import { RECEIVER_HOST, webhookReceiver } from "./webhook-receiver.ts";

const corpus = (file: string) => readFileSync(join(import.meta.dirname, "../../../shared/corpora/feeds/rss-parser/input", file), "utf8");

function dns(url: URL): Response {
  const name = url.searchParams.get("name") ?? "";
  const type = url.searchParams.get("type");
  const address = name.endsWith(".internal-dns.test") ? "10.0.0.7" : "93.184.215.14";
  const Answer = type === "A" ? [{ name, type: 1, TTL: 300, data: address }] : [];
  return Response.json({ Status: 0, Answer }, { headers: { "content-type": "application/dns-json" } });
}

function feed(request: Request, body: string, etag: string): Response {
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers: { etag } });
  return new Response(body, { headers: { "content-type": "application/rss+xml; charset=utf-8", etag } });
}

/** Guardian's feed with every link carrying tracking parameters: the same stories, tracked. */
const tracked = () => corpus("guardian.rss").replace(/(<link>)(https:\/\/www\.theguardian\.com[^<]*)(<\/link>)/g, "$1$2?utm_source=rss&amp;utm_medium=feed$3");

export const requests: string[] = [];

export async function fakeWeb(request: Request): Promise<Response> {
  const url = new URL(request.url);
  requests.push(request.url);
  if (url.host === "cloudflare-dns.com") return dns(url);
  if (url.host === "pds.bsky.test") return fakeBluesky.handle(request);
  if (url.host === "api.x.com" || url.host === "x.com") return fakeX.handle(request);
  if (url.host === "api.linkedin.com" || url.host === "www.linkedin.com") return fakeLinkedIn.handle(request);
  if (url.host === "mastodon.test") return fakeMastodon.handle(request);
  if (["graph.facebook.com", "www.facebook.com", "graph.threads.net", "threads.net"].includes(url.host)) return fakeMeta.handle(request);
  if (["www.googleapis.com", "oauth2.googleapis.com", "accounts.google.com"].includes(url.host)) return fakeYouTube.handle(request);
  if (["open.tiktokapis.com", "open-upload.tiktokapis.com", "www.tiktok.com"].includes(url.host)) return fakeTikTok.handle(request);
  if (url.host === "api.sendgrid.com") return sendgridFake(request);
  if (url.host === "api.resend.com") return resendFake(request);
  if (url.host === "api.postmarkapp.com") return postmarkFake(request);
  if (url.host === RECEIVER_HOST) return webhookReceiver(request);
  if (url.host.endsWith("llm.test")) return openaiFake(request);
  // The JavaScript-only site (js-site.ts) runs on this machine; only tests that allow loopback get here.
  if (url.hostname === "127.0.0.1") return fetch(request.url, { method: request.method, headers: request.headers });
  switch (`${url.host}${url.pathname}`) {
    case "news.test/robots.txt":
      return new Response("User-agent: *\nDisallow: /private/\n");
    case "news.test/feed.xml":
      return feed(request, corpus("guardian.rss"), '"guardian-1"');
    case "news.test/private/feed.xml":
      return feed(request, corpus("guardian.rss"), '"private"');
    case "mirror.test/feed.xml":
      return feed(request, tracked(), '"mirror-1"');
    // A page with Open Graph tags and its image, for link cards.
    case "cards.test/story":
      return new Response('<html><head><meta property="og:title" content="Trams &amp; trains"><meta property="og:description" content="Twelve new stations."><meta property="og:image" content="/story.png"><title>Ignored</title></head><body></body></html>', { headers: { "content-type": "text/html; charset=utf-8" } });
    case "cards.test/story.png":
      return new Response(Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0)), { headers: { "content-type": "image/png" } });
    case "blog.test/2026/launch":
      return new Response(readFileSync(join(import.meta.dirname, "../../../shared/corpora/readability/test-pages/001/source.html"), "utf8"), {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    case "hacker-news.firebaseio.com/v0/topstories.json":
      return Response.json([9001, 9002, 9003]);
    case "hacker-news.firebaseio.com/v0/item/9001.json":
      return Response.json({ id: 9001, type: "story", by: "pg", time: 1795400000, title: "Show HN: A content engine on Workers", url: "https://engine.example/?utm_source=hn", score: 120 });
    case "hacker-news.firebaseio.com/v0/item/9002.json":
      return Response.json({ id: 9002, type: "story", by: "dang", time: 1795400100, title: "Ask HN: How do you schedule posts?", text: "Curious what people use." });
    case "hacker-news.firebaseio.com/v0/item/9003.json":
      return Response.json({ id: 9003, type: "job", title: "We are hiring", time: 1795400200 });
    case "blog.test/2026/metadata":
      return new Response(readFileSync(join(import.meta.dirname, "../../../shared/corpora/readability/test-pages/003-metadata-preferred/source.html"), "utf8"), {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    case "blog.test/sitemap.xml":
      return new Response(
        `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://blog.test/old</loc><lastmod>2020-01-01</lastmod></url><url><loc>https://blog.test/2026/metadata</loc><lastmod>2026-11-20</lastmod></url></urlset>`,
        { headers: { "content-type": "application/xml" } },
      );
    case "www.youtube.com/feeds/videos.xml":
      return new Response(corpus("../../feed-rs/fixture/atom/atom_mediarss_youtube_1.xml"), { headers: { "content-type": "application/atom+xml" } });
    case "trends.google.com/trending/rss":
      return new Response(
        `<?xml version="1.0"?><rss version="2.0" xmlns:ht="https://trends.google.com/trending/rss"><channel><title>Daily Search Trends</title><link>https://trends.google.com/trending?geo=FR</link><item><title>aurore boréale</title><ht:approx_traffic>200000+</ht:approx_traffic><link>https://trends.google.com/trending?geo=FR#aurore</link><pubDate>Sun, 22 Nov 2026 20:00:00 +0100</pubDate></item></channel></rss>`,
        { headers: { "content-type": "application/rss+xml" } },
      );
    case "broken.test/feed.xml":
      return new Response("<html><body>Not a feed</body></html>", { headers: { "content-type": "text/html" } });
    case "www.reddit.com/r/selfhosted/new.json":
      return Response.json({
        kind: "Listing",
        data: {
          children: [
            { kind: "t3", data: { name: "t3_abc", title: "Self-hosting a newsletter in 2026", permalink: "/r/selfhosted/comments/abc/x/", url: "https://blog.test/newsletter?utm_source=reddit", author: "sam", created_utc: 1795400000, selftext: "" } },
          ],
        },
      });
    default:
      return new Response("not found", { status: 404 });
  }
}
