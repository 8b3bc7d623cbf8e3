// Benchmark "analytics": a workspace with 100,000 publications over the last year and about 1,000,000
// raw metric readings (11 pulls a post, on the metrics pull's decaying schedule), rollups rebuilt
// from them with the app's own rebuildRollups. Measured on the api Worker in Miniflare (bundled as
// for a deploy): the analytics page (30 and 365 days) and the best-times page under 10 concurrent
// clients, beside the bare /livez route as the baseline of the same run, and the D1 rows each view
// reads (the page reports them in X-D1-Rows-Read). Target: a view reads the rollups, never the raw
// rows: under 5% of the raw row count for any range (a year's view reads every day's rollup of every
// dimension; monthly rollups would cut that tenfold, not built yet), and no failures.
// The last line printed is one JSON object with the figures.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "../scripts/lib.mjs";
import { load, session, writeResult } from "./lib.mjs";
import { startWorker } from "./miniflare.mjs";

const PUBLICATIONS = Number(process.env.BENCH_PUBLICATIONS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = 10;
const ACCOUNTS = 20;
const CAMPAIGNS = 10;
const CHUNK = 10_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** When each reading is taken after publishing: the pull schedule's hourly, daily and weekly phases. */
const READINGS = [1, 2, 4, 8, 16, 24, 48, 72, 168, 336, 720].map((h) => h * HOUR);
const TAGS = ["ai", "launch", "growth", "community", "product", "release", "guide", "story"];

/** rebuildRollups and the drizzle handle, bundled from the TypeScript sources for Node. */
async function appCode() {
  const out = mkdtempSync(join(tmpdir(), "bench-analytics-"));
  const entry = join(out, "entry.ts");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(entry, `export { rebuildRollups } from ${JSON.stringify(join(root, "lib/analytics/rollup.ts"))};\nexport { database } from ${JSON.stringify(join(root, "lib/db/client.ts"))};\n`);
  const bundle = join(out, "app.mjs");
  const built = spawnSync("npx", ["esbuild", entry, "--bundle", "--platform=node", "--format=esm", `--outfile=${bundle}`], { cwd: root, encoding: "utf8" });
  if (built.status !== 0) throw new Error(`bundling the rollup code failed:\n${built.stderr}`);
  const code = await import(pathToFileURL(bundle).href);
  rmSync(out, { recursive: true, force: true });
  return code;
}

async function seed(db, workspaceId, authorId, now) {
  const statements = [
    ...Array.from({ length: CAMPAIGNS }, (_, i) => db.prepare("INSERT INTO campaigns (id, workspace_id, name) VALUES (?, ?, ?)").bind(`cmp_b${i}`, workspaceId, `Campaign ${i}`)),
    ...Array.from({ length: ACCOUNTS }, (_, i) =>
      db
        .prepare("INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, ?, ?, ?, ?, 'https://bench.test', 'x')")
        .bind(`acc_b${i}`, workspaceId, ["bluesky", "mastodon", "linkedin", "x", "threads"][i % 5], `ext${i}`, `account${i}.bench.test`),
    ),
  ];
  await db.batch(statements);
  const tags = JSON.stringify(TAGS);
  const numbers = (from, to) => `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to - 1})`;
  for (let from = 0; from < PUBLICATIONS; from += CHUNK) {
    const to = Math.min(PUBLICATIONS, from + CHUNK);
    // Published evenly over the last 365 days, newest first, at varying hours.
    const publishedAt = `(${now} - i * ${Math.floor((365 * DAY) / PUBLICATIONS)} - (i * 7919 % 3600) * 1000)`;
    await db.batch([
      db
        .prepare(
          `INSERT INTO content (id, workspace_id, kind, title, status, author_id, tags, campaign_id, updated_at)
           ${numbers(from, to)} SELECT 'cnt_b' || i, ?1, CASE i % 3 WHEN 0 THEN 'post' WHEN 1 THEN 'article' ELSE 'newsletter' END, 'Bench post ' || i, 'published', ?2,
             json_array(json_extract(?3, '$[' || (i % 8) || ']'), json_extract(?3, '$[' || ((i / 8) % 8) || ']')), CASE WHEN i % 4 = 0 THEN NULL ELSE 'cmp_b' || (i % ${CAMPAIGNS}) END, ?4 FROM n`,
        )
        .bind(workspaceId, authorId, tags, now),
      db.prepare(`INSERT INTO content_variants (id, workspace_id, content_id, platform, text) ${numbers(from, to)} SELECT 'var_b' || i, ?1, 'cnt_b' || i, 'bluesky', 'x' FROM n`).bind(workspaceId),
      db
        .prepare(
          `INSERT INTO publications (id, workspace_id, content_id, variant_id, account_id, scheduled_at, scheduled_zone, idempotency_key, status, published_at, external_id, updated_at)
           ${numbers(from, to)} SELECT 'pub_b' || i, ?1, 'cnt_b' || i, 'var_b' || i, 'acc_b' || (i % ${ACCOUNTS}), ${publishedAt}, 'UTC', 'idem_b' || i, 'published', ${publishedAt}, 'ext_b' || i, ?2 FROM n`,
        )
        .bind(workspaceId, now),
      // Figures grow with each reading; how well a post does depends on its number.
      db
        .prepare(
          `INSERT INTO post_metrics (workspace_id, publication_id, pulled_at, impressions, likes, comments, shares, clicks)
           SELECT ?1, p.id, p.published_at + r.value, (r.key + 1) * (100 + p.rowid % 400), (r.key + 1) * (p.rowid % 13), (r.key + 1) * (p.rowid % 5) / 2, (r.key + 1) * (p.rowid % 3) / 2, (r.key + 1) * (p.rowid % 7)
           FROM publications p, json_each(?2) r
           WHERE p.workspace_id = ?1 AND p.id IN (SELECT 'pub_b' || i FROM (${numbers(from, to)} SELECT i FROM n)) AND p.published_at + r.value <= ?3`,
        )
        .bind(workspaceId, JSON.stringify(READINGS), now),
    ]);
    process.stdout.write(`\r  seeded ${to.toLocaleString("en-US")} publications`);
  }
  process.stdout.write("\n");
}

export async function run() {
  const { rebuildRollups, database } = await appCode();
  const app = await startWorker("wrangler.toml", {});
  try {
    const baseUrl = (await app.mf.ready).toString().replace(/\/$/, "");
    const { send, workspace, workspaceId, email } = await session(baseUrl, "Analyst");
    const now = Date.now();
    const author = await app.db.prepare("SELECT id FROM users WHERE email = ?").bind(email).first();
    let started = performance.now();
    await seed(app.db, workspaceId, author.id, now);
    const seedSeconds = (performance.now() - started) / 1000;
    const raw = (await app.db.prepare("SELECT count(*) AS n FROM post_metrics WHERE workspace_id = ?").bind(workspaceId).first()).n;
    started = performance.now();
    await rebuildRollups(database(app.db), workspaceId);
    const rebuildSeconds = (performance.now() - started) / 1000;
    const rollupRows = (await app.db.prepare("SELECT count(*) AS n FROM metric_daily WHERE workspace_id = ?").bind(workspaceId).first()).n;

    const bestAccount = "acc_b0";
    const cases = {
      baseline: () => fetch(`${baseUrl}/livez`),
      page30: () => send(`${workspace}/analytics?range=30`),
      page365: () => send(`${workspace}/analytics?range=365`),
      bestTimes: () => send(`${workspace}/analytics/best-times?account=${bestAccount}`),
    };
    // One view each first: it must show the seeded data, and says how many rows it read.
    const rowsRead = {};
    for (const [name, request] of Object.entries(cases)) {
      if (name === "baseline") continue;
      const response = await request();
      const html = await response.text();
      if (response.status !== 200) throw new Error(`${name}: ${response.status} ${html.slice(0, 500)}`);
      if (name.startsWith("page") && !html.includes("Bench post")) throw new Error(`${name} does not show the seeded posts`);
      if (name === "bestTimes" && !html.includes("heat-")) throw new Error("the best-times page has no heatmap");
      rowsRead[name] = Number(response.headers.get("x-d1-rows-read") ?? NaN);
    }
    const results = {};
    for (const [name, request] of Object.entries(cases)) {
      await load(request, { clients: CLIENTS, seconds: 2 }); // warm-up, discarded
      results[name] = await load(request, { clients: CLIENTS, seconds: SECONDS });
    }
    const figures = {
      benchmark: "analytics",
      when: new Date().toISOString(),
      publications: PUBLICATIONS,
      metricRows: raw,
      rollupRows,
      seedSeconds: +seedSeconds.toFixed(1),
      rebuildSeconds: +rebuildSeconds.toFixed(1),
      clients: CLIENTS,
      seconds: SECONDS,
      ...Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { p50: +r.p50.toFixed(2), p99: +r.p99.toFixed(2), rps: +r.rps.toFixed(1), failures: r.failures, ...(k in rowsRead ? { rowsRead: rowsRead[k] } : {}) }])),
      target: "rows read per page view < 5% of the workspace's raw metric rows, no failures",
    };
    figures.targetMet = ["page30", "page365", "bestTimes"].every((k) => figures[k].rowsRead < raw / 20 && figures[k].failures === 0);
    const label = { baseline: "GET /livez (bare route, baseline)", page30: "analytics page, last 30 days", page365: "analytics page, last 365 days", bestTimes: "best times to post (one account)" };
    const table = [
      `# analytics (${figures.when}; ${PUBLICATIONS.toLocaleString("en-US")} publications, ${raw.toLocaleString("en-US")} metric rows → ${rollupRows.toLocaleString("en-US")} daily rollup rows; ${CLIENTS} concurrent clients, ${SECONDS} s each, api Worker in Miniflare on this machine)`,
      "",
      "| view | p50 ms | p99 ms | requests/s | failures | D1 rows read per view |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
      ...Object.keys(cases).map((k) => `| ${label[k]} | ${figures[k].p50} | ${figures[k].p99} | ${figures[k].rps} | ${figures[k].failures} | ${figures[k].rowsRead?.toLocaleString("en-US") ?? "—"} |`),
      "",
      `Rollups rebuilt from the raw rows in ${figures.rebuildSeconds} s (seeding took ${figures.seedSeconds} s). Target (a view reads < 5% of the ${raw.toLocaleString("en-US")} raw rows, no failures): ${figures.targetMet ? "met" : "NOT met"}.`,
      "",
    ].join("\n");
    writeResult("analytics", figures, table);
    console.log(table);
    console.log(JSON.stringify(figures));
  } finally {
    await app.dispose();
  }
}
