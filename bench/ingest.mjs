// Benchmark "ingest": 500 sources × 50 items through the scraper end to end, the way production runs
// it: the cron enqueues due sources on the `scrape` queue, the consumer fetches (robots.txt, DNS over
// HTTPS, politeness Durable Object, SSRF checks), parses, deduplicates and stores into D1. The
// scraper Worker is bundled by wrangler and run in Miniflare with its wrangler.toml bindings (local
// D1, Queues, Durable Objects), its outbound network answered by a fake web of 500 feed hosts.
//
// Measured: items stored per second and D1 statements per item (from the consumer's own
// `source_run` log lines). The in-run baseline is a second pass over the same 500 sources when every
// feed answers 304 Not Modified: the fixed cost of a source run with nothing to parse or store.
// Last line: one JSON object.
import { startWorker } from "./miniflare.mjs";
import { writeResult } from "./lib.mjs";

const SOURCES = Number(process.env.BENCH_SOURCES ?? 500);
const ITEMS = Number(process.env.BENCH_ITEMS ?? 50);
const WORKSPACE = "ws_bench";

const WORDS =
  "river market council vaccine rocket election harbour festival drought startup museum railway senate glacier orchestra satellite tariff library stadium reactor vineyard bridge summit protest archive telescope ferry budget wildfire".split(
    " ",
  );

/** A feed of its own per host, with titles varied enough that SimHash does not fold them together. */
function feed(source) {
  const items = [];
  for (let i = 0; i < ITEMS; i++) {
    const words = Array.from({ length: 8 }, (_, k) => WORDS[(source * 7 + i * 13 + k * 5) % WORDS.length]);
    items.push(`<item><title>${source}-${i} ${words.join(" ")}</title><link>https://feed-${source}.bench.test/story/${i}?utm_source=rss</link>
<guid>https://feed-${source}.bench.test/story/${i}</guid><pubDate>${new Date(Date.UTC(2026, 10, 20, 0, i)).toUTCString()}</pubDate>
<description>${words.reverse().join(" ")} — a report from source ${source}, item ${i}, about the ${words[0]} and the ${words[1]}.</description></item>`);
  }
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed ${source}</title><link>https://feed-${source}.bench.test/</link>${items.join("\n")}</channel></rss>`;
}

function fakeWeb(notModified) {
  return async (request) => {
    const url = new URL(request.url);
    if (url.host === "cloudflare-dns.com") {
      const name = url.searchParams.get("name");
      const Answer = url.searchParams.get("type") === "A" ? [{ name, type: 1, TTL: 300, data: "93.184.215.14" }] : [];
      return Response.json({ Status: 0, Answer }, { headers: { "content-type": "application/dns-json" } });
    }
    if (url.pathname === "/robots.txt") return new Response("User-agent: *\nAllow: /\n");
    const source = Number(url.host.match(/^feed-(\d+)\.bench\.test$/)?.[1]);
    if (url.pathname !== "/feed.xml" || Number.isNaN(source)) return new Response("not found", { status: 404 });
    const etag = `"feed-${source}"`;
    if (notModified.on && request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers: { etag } });
    return new Response(feed(source), { headers: { "content-type": "application/rss+xml; charset=utf-8", etag } });
  };
}

async function pass({ db, worker }, runs, label) {
  const startedRuns = runs.length;
  await db.prepare("UPDATE sources SET next_run_at = ?").bind(Date.now() - 1000).run();
  const started = performance.now();
  await worker.scheduled({ scheduledTime: new Date(), cron: "*/5 * * * *" });
  while (runs.length - startedRuns < SOURCES) {
    if (performance.now() - started > 15 * 60_000) throw new Error(`${label}: only ${runs.length - startedRuns} of ${SOURCES} sources ran in 15 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  const mine = runs.slice(startedRuns);
  const failed = mine.filter((r) => r.status === "failed");
  if (failed.length) throw new Error(`${label}: ${failed.length} sources failed, first: ${failed[0].error}`);
  const items = mine.reduce((n, r) => n + r.added, 0);
  const statements = mine.reduce((n, r) => n + r.d1Statements, 0);
  const ms = mine.map((r) => r.ms).sort((a, b) => a - b);
  return { seconds, items, statements, sourceRunP50Ms: ms[Math.floor(ms.length / 2)], sourceRunP99Ms: ms[Math.floor(ms.length * 0.99)] };
}

export async function run() {
  const notModified = { on: false };
  const runs = [];
  const scraper = await startWorker("workers/scraper/wrangler.toml", {
    outbound: fakeWeb(notModified),
    // The consumer's structured log lines carry each run's figures.
    onLog(message) {
      if (message.includes('"event":"source_run"')) runs.push(JSON.parse(message.slice(message.indexOf("{"))));
      else if (message.includes('"level":"error"')) console.error(message);
    },
  });
  try {
    const { db } = scraper;
    await db.prepare("INSERT INTO workspaces (id, name) VALUES (?, 'Ingest bench')").bind(WORKSPACE).run();
    const insert = [];
    for (let s = 0; s < SOURCES; s++) {
      insert.push(db.prepare("INSERT INTO sources (id, workspace_id, kind, name, url, next_run_at) VALUES (?, ?, 'feed', ?, ?, 0)").bind(`src_${s}`, WORKSPACE, `Feed ${s}`, `https://feed-${s}.bench.test/feed.xml`));
    }
    for (let i = 0; i < insert.length; i += 100) await db.batch(insert.slice(i, i + 100));

    const fresh = await pass(scraper, runs, "new items");
    notModified.on = true;
    const unchanged = await pass(scraper, runs, "not modified");
    const stored = (await db.prepare("SELECT COUNT(*) AS n FROM source_items").first()).n;

    const result = {
      benchmark: "ingest",
      sources: SOURCES,
      itemsPerSource: ITEMS,
      itemsStored: stored,
      seconds: +fresh.seconds.toFixed(2),
      itemsPerSecond: +(fresh.items / fresh.seconds).toFixed(1),
      d1StatementsPerItem: +(fresh.statements / fresh.items).toFixed(3),
      d1StatementsPerSource: +(fresh.statements / SOURCES).toFixed(2),
      sourceRunP50Ms: fresh.sourceRunP50Ms,
      sourceRunP99Ms: fresh.sourceRunP99Ms,
      baselineNotModified: {
        seconds: +unchanged.seconds.toFixed(2),
        sourcesPerSecond: +(SOURCES / unchanged.seconds).toFixed(1),
        d1StatementsPerSource: +(unchanged.statements / SOURCES).toFixed(2),
        sourceRunP50Ms: unchanged.sourceRunP50Ms,
      },
      secondsVsBaseline: +(fresh.seconds / unchanged.seconds).toFixed(2),
    };
    if (stored !== SOURCES * ITEMS) throw new Error(`expected ${SOURCES * ITEMS} items stored, found ${stored}`);
    writeResult(
      "ingest",
      result,
      `# ingest\n\n${SOURCES} sources × ${ITEMS} items, cron → scrape queue → consumer → D1, in Miniflare with the scraper's wrangler.toml bindings.\n\n` +
        `| pass | seconds | items/s | D1 statements | source run p50 |\n|---|---|---|---|---|\n` +
        `| new items | ${result.seconds} | ${result.itemsPerSecond} | ${result.d1StatementsPerItem} per item (${result.d1StatementsPerSource} per source) | ${result.sourceRunP50Ms} ms |\n` +
        `| baseline: all 304 | ${result.baselineNotModified.seconds} | — | ${result.baselineNotModified.d1StatementsPerSource} per source | ${result.baselineNotModified.sourceRunP50Ms} ms |\n`,
    );
    console.log(JSON.stringify(result));
  } finally {
    await scraper.dispose();
  }
}
