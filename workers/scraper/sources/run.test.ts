import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../index";
import { runSource } from "./run";
import { enqueueDue } from "./schedule";

const noWait = { sleep: async () => {} };
let ws: string;

beforeAll(async () => {
  ws = "ws_scraper";
  await env.DB.batch([
    env.DB.prepare("INSERT INTO users (id, email, name, password_hash) VALUES ('usr_s', 's@example.com', 'S', 'x')"),
    env.DB.prepare("INSERT INTO workspaces (id, name) VALUES (?, 'Listening')").bind(ws),
  ]);
});

let counter = 0;
async function addSource(kind: string, url: string, extra: { paused?: boolean; nextRunAt?: number } = {}): Promise<string> {
  const id = `src_${++counter}`;
  await env.DB.prepare("INSERT INTO sources (id, workspace_id, kind, name, url, next_run_at, paused) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .bind(id, ws, kind, `source ${counter}`, url, extra.nextRunAt ?? Date.now(), extra.paused ? 1 : 0)
    .run();
  return id;
}

const source = (id: string) => env.DB.prepare("SELECT * FROM sources WHERE id = ?").bind(id).first<Record<string, number | string | null>>();
const itemCount = (sourceId?: string) =>
  env.DB.prepare(`SELECT COUNT(*) AS n FROM source_items ${sourceId ? "WHERE source_id = ?" : ""}`)
    .bind(...(sourceId ? [sourceId] : []))
    .first<{ n: number }>()
    .then((r) => r!.n);

describe("running a feed source", () => {
  it("stores the items, then costs almost nothing when the feed has not changed (304)", async () => {
    const id = await addSource("feed", "https://news.test/feed.xml");
    const first = await runSource(env, id, noWait);
    expect(first.status).toBe("ok");
    expect(first.added).toBeGreaterThan(10);
    expect(await source(id)).toMatchObject({ etag: '"guardian-1"', failures: 0, items_found: first.added, last_error: null });
    const second = await runSource(env, id, noWait);
    expect(second).toEqual({ status: "not_modified", added: 0 });
    expect(await itemCount(id)).toBe(first.added);
  });

  it("drops a tracked copy of an item already stored (canonical URL), keeping one row per story", async () => {
    const before = await itemCount();
    const mirror = await addSource("feed", "https://mirror.test/feed.xml");
    const result = await runSource(env, mirror, noWait);
    expect(result).toEqual({ status: "ok", added: 0 });
    expect(await itemCount()).toBe(before);
  });

  it("obeys robots.txt, recording the refusal on the source", async () => {
    const id = await addSource("feed", "https://news.test/private/feed.xml");
    const result = await runSource(env, id, noWait);
    expect(result.status).toBe("failed");
    expect((await source(id))!.last_error).toBe("robots.txt of news.test does not allow fetching /private/feed.xml");
  });

  it("refuses a host that resolves to a private address, and says so in the source's health", async () => {
    const id = await addSource("feed", "https://feeds.internal-dns.test/feed.xml");
    const result = await runSource(env, id, noWait);
    expect(result.status).toBe("failed");
    expect((await source(id))!.last_error).toBe("Refused: feeds.internal-dns.test resolves to 10.0.0.7, a private address");
  });

  it("backs off exponentially on repeated failures and keeps the real message", async () => {
    const id = await addSource("feed", "https://broken.test/feed.xml");
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = Date.now();
      await runSource(env, id, { ...noWait, now: () => start });
      times.push(Number((await source(id))!.next_run_at) - start);
    }
    expect(times).toEqual([3_600_000, 7_200_000, 14_400_000]);
    expect(await source(id)).toMatchObject({ failures: 3, last_error: "This is not an RSS, Atom, RDF or JSON feed." });
  });

  it("extracts the article of a page source", async () => {
    const id = await addSource("page", "https://blog.test/2026/launch");
    expect(await runSource(env, id, noWait)).toEqual({ status: "ok", added: 1 });
    const item = await env.DB.prepare("SELECT title, author, content_html FROM source_items WHERE source_id = ?").bind(id).first<{ title: string; author: string; content_html: string }>();
    expect(item).toMatchObject({ title: "Get your Frontend JavaScript Code Covered | Code", author: "Nicolas Perriault" });
    expect(item!.content_html).not.toContain("<script");
  });

  it("reads a Hacker News list through the official API, stories only", async () => {
    const id = await addSource("hackernews", "https://hacker-news.firebaseio.com/v0/topstories.json");
    expect(await runSource(env, id, noWait)).toEqual({ status: "ok", added: 2 });
    const rows = await env.DB.prepare("SELECT title, canonical_url, author FROM source_items WHERE source_id = ? ORDER BY title").bind(id).all();
    expect(rows.results).toEqual([
      { title: "Ask HN: How do you schedule posts?", canonical_url: "https://news.ycombinator.com/item?id=9002", author: "dang" },
      { title: "Show HN: A content engine on Workers", canonical_url: "https://engine.example/", author: "pg" },
    ]);
  });

  it("reads a sitemap's newest pages as articles", async () => {
    const id = await addSource("sitemap", "https://blog.test/sitemap.xml");
    // The old page answers 404 and is passed over; the newest is read like a page source.
    expect(await runSource(env, id, noWait)).toEqual({ status: "ok", added: 1 });
    const item = await env.DB.prepare("SELECT title, url FROM source_items WHERE source_id = ?").bind(id).first();
    expect(item).toEqual({ title: "Dublin Core property title", url: "https://blog.test/2026/metadata" });
  });

  it("reads a YouTube channel's uploads and a country's Google Trends as feeds", async () => {
    const youtube = await addSource("youtube", "https://www.youtube.com/feeds/videos.xml?channel_id=UC_x5XG1OV2P6uZZ5FSM9Ttw");
    const yt = await runSource(env, youtube, noWait);
    expect(yt.status).toBe("ok");
    expect(yt.added).toBeGreaterThan(0);
    const trends = await addSource("google_trends", "https://trends.google.com/trending/rss?geo=FR");
    expect(await runSource(env, trends, noWait)).toEqual({ status: "ok", added: 1 });
    const item = await env.DB.prepare("SELECT title, published_at FROM source_items WHERE source_id = ?").bind(trends).first();
    expect(item).toEqual({ title: "aurore boréale", published_at: Date.parse("2026-11-22T19:00:00Z") });
  });

  it("reads a subreddit listing", async () => {
    const id = await addSource("reddit", "https://www.reddit.com/r/selfhosted/new.json");
    expect(await runSource(env, id, noWait)).toEqual({ status: "ok", added: 1 });
    const item = await env.DB.prepare("SELECT title, canonical_url FROM source_items WHERE source_id = ?").bind(id).first();
    expect(item).toEqual({ title: "Self-hosting a newsletter in 2026", canonical_url: "https://blog.test/newsletter" });
  });
});

describe("scheduling", () => {
  it("the cron enqueues due, unpaused sources once, and the consumer runs them", async () => {
    const due = await addSource("feed", "https://news.test/feed.xml", { nextRunAt: Date.now() - 1000 });
    await addSource("feed", "https://news.test/feed.xml", { nextRunAt: Date.now() - 1000, paused: true });
    await addSource("feed", "https://news.test/feed.xml", { nextRunAt: Date.now() + 3_600_000 });
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env);
    expect(Number((await source(due))!.next_run_at)).toBeGreaterThan(Date.now() + 3_000_000);
    expect(await enqueueDue(env)).toBe(0);

    const batch = createMessageBatch("scrape", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { type: "scrape", sourceId: due } },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { type: "health", sentAt: Date.now() } },
      { id: "m3", timestamp: new Date(), attempts: 1, body: { type: "nonsense" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2", "m3"]);
    expect((await source(due))!.last_success_at).not.toBeNull();
  });

  it("sends every due source in one tick, in pages of at most 100 per queue call", async () => {
    const ids = [];
    for (let i = 0; i < 230; i++) ids.push(`src_many_${i}`);
    await env.DB.batch(
      ids.map((id) => env.DB.prepare("INSERT INTO sources (id, workspace_id, kind, name, url, next_run_at) VALUES (?, ?, 'feed', ?, 'http://10.0.0.1/feed.xml', ?)").bind(id, ws, id, Date.now() - 1000)),
    );
    expect(await enqueueDue(env)).toBe(230);
    expect(await enqueueDue(env)).toBe(0);

    // The queue's consumer runs every one of them. A private address is refused before any fetch, so
    // each run ends quickly with that refusal in the source's health; waiting for all 230 also keeps
    // the consumer from still running when this file's Worker is torn down.
    const refused = () =>
      env.DB.prepare("SELECT COUNT(*) AS n FROM sources WHERE id LIKE 'src_many_%' AND last_error LIKE '%private%'")
        .first<{ n: number }>()
        .then((r) => r!.n);
    const deadline = Date.now() + 30_000;
    while ((await refused()) < 230 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await refused()).toBe(230);
    // The wait above has its own 30 s deadline; vitest's default 5 s would cut it short on a loaded machine.
  }, 40_000);
});
