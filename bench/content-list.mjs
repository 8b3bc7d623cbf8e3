// Benchmark "content-list": a workspace with 10,000 content items; the content list page and the list
// API under 20 concurrent clients, beside the bare /livez route on the same `wrangler dev` as the
// baseline, in the same run. Target: the list page's p99 within 5× the baseline's p99.
// The last line printed is one JSON object with the figures.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDevServer } from "../scripts/dev-server.mjs";
import { root } from "../scripts/lib.mjs";
import { load, session, writeResult } from "./lib.mjs";

const ITEMS = Number(process.env.BENCH_ITEMS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = 20;

function d1(state, args) {
  const result = spawnSync("npx", ["wrangler", "d1", "execute", "DB", "--local", "--persist-to", state, "-c", "wrangler.toml", "--json", ...args], { cwd: root, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`wrangler d1 execute failed:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** 10,000 items straight into the local database (the FTS triggers index them as they go). */
function seed(state, workspaceId) {
  const [{ results }] = d1(state, ["--command", `SELECT user_id FROM memberships WHERE workspace_id = '${workspaceId}'`]);
  const author = results[0].user_id;
  const kinds = ["post", "article", "newsletter"];
  const statuses = ["draft", "in_review", "approved", "scheduled", "published"];
  const words = "launch growth community product release weekly digest creator audience story update guide".split(" ");
  const lines = [];
  const now = Date.now();
  for (let i = 0; i < ITEMS; i++) {
    const title = `${words[i % words.length]} ${words[(i * 7) % words.length]} #${i}`;
    const body = Array.from({ length: 40 }, (_, k) => words[(i + k * 3) % words.length]).join(" ");
    lines.push(
      `INSERT INTO content (id, workspace_id, kind, title, body, tags, status, version, author_id, created_at, updated_at) VALUES ('cnt_bench${i}', '${workspaceId}', '${kinds[i % 3]}', '${title}', '${body}', '["${words[i % 5]}"]', '${statuses[i % 5]}', 1, '${author}', ${now - i * 60_000}, ${now - i * 60_000});`,
    );
  }
  const file = join(mkdtempSync(join(tmpdir(), "bench-seed-")), "seed.sql");
  writeFileSync(file, lines.join("\n"));
  d1(state, ["--file", file]);
}

export async function run() {
  const port = process.env.BENCH_PORT ?? 8799;
  // Set up through the app, then seed with the server stopped (wrangler d1 execute and wrangler dev
  // must not share the local database files), then measure on a fresh server over the same data.
  const setup = await startDevServer(port);
  const { send, workspace, workspaceId } = await session(setup.baseUrl, "Lister");
  const tokenPage = await (await send(`${workspace}/tokens`, { name: "bench", scope: "read" }, { "hx-request": "true" })).text();
  const token = tokenPage.match(/value="(cet_[\w-]+)"/)[1];
  await setup.stop({ keepState: true });
  seed(setup.state, workspaceId);
  const server = await startDevServer(port, setup);
  try {
    const { baseUrl } = server;
    const cases = {
      baseline: () => fetch(`${baseUrl}/livez`),
      page: () => send(`${workspace}/content`),
      api: () => fetch(`${baseUrl}/api/v1/workspaces/${workspaceId}/content`, { headers: { authorization: `Bearer ${token}` } }),
    };
    const check = await (await cases.page()).text();
    if (!check.includes("cnt_bench0")) throw new Error("the content list does not show the seeded items");
    const results = {};
    for (const [name, request] of Object.entries(cases)) {
      await load(request, { clients: CLIENTS, seconds: 2 }); // warm-up, discarded
      results[name] = await load(request, { clients: CLIENTS, seconds: SECONDS });
    }
    const figures = {
      benchmark: "content-list",
      when: new Date().toISOString(),
      items: ITEMS,
      clients: CLIENTS,
      seconds: SECONDS,
      ...Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { p50: +r.p50.toFixed(2), p99: +r.p99.toFixed(2), rps: +r.rps.toFixed(1), failures: r.failures }])),
      pageP99OverBaselineP99: +(results.page.p99 / results.baseline.p99).toFixed(2),
      target: "page p99 ≤ 5 × baseline p99",
    };
    figures.targetMet = figures.pageP99OverBaselineP99 <= 5;
    const table = [
      `# content-list (${figures.when}; ${ITEMS} items, ${CLIENTS} concurrent clients, ${SECONDS} s each, wrangler dev on this machine)`,
      "",
      "| route | p50 ms | p99 ms | requests/s | failures |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...["baseline", "page", "api"].map((k) => `| ${k === "baseline" ? "GET /livez (bare route, baseline)" : k === "page" ? "content list page" : "list API"} | ${figures[k].p50} | ${figures[k].p99} | ${figures[k].rps} | ${figures[k].failures} |`),
      "",
      `Page p99 / baseline p99: ${figures.pageP99OverBaselineP99}× (target ≤ 5×: ${figures.targetMet ? "met" : "NOT met"}).`,
      "",
    ].join("\n");
    writeResult("content-list", figures, table);
    console.log(table);
    console.log(JSON.stringify(figures));
  } finally {
    await server.stop();
  }
}
