// Benchmark "pages": request latency of the api Worker under `wrangler dev`, each page measured
// against baselines taken in the same run (a static asset and /healthz), because these machines are
// noisy and only ratios compare across runs. Results: bench/results/latest.json and latest.md.
import { startDevServer } from "../scripts/dev-server.mjs";
import { session, writeResult } from "./lib.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);

async function measure(run) {
  const times = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    const response = await run();
    await response.arrayBuffer();
    if (response.status >= 400) throw new Error(`status ${response.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: at(0.5), p95: at(0.95), mean: times.reduce((a, b) => a + b, 0) / times.length };
}

export async function run() {
  const server = await startDevServer(process.env.BENCH_PORT ?? 8798);
  try {
    const { baseUrl } = server;
    const { send, workspace } = await session(baseUrl);
    const cases = {
      "static asset (baseline)": () => fetch(`${baseUrl}/app.css`),
      "GET /healthz (baseline: D1, R2, 4 queues)": () => fetch(`${baseUrl}/healthz`),
      "GET /signup (no session)": () => fetch(`${baseUrl}/signup`),
      "GET workspace overview (session + membership)": () => send(workspace),
      "GET members page": () => send(`${workspace}/members`),
      "GET audit log": () => send(`${workspace}/audit`),
    };
    const results = {};
    for (const [name, run] of Object.entries(cases)) {
      await measure(run); // warm-up round, discarded
      results[name] = await measure(run);
    }
    const baseline = results["static asset (baseline)"].p50;
    const rows = Object.entries(results).map(([name, r]) => ({ name, ...r, ratioToStatic: r.p50 / baseline }));
    const when = new Date().toISOString();
    const table = [
      `# Benchmark results (${when}, ${ROUNDS} sequential requests each, wrangler dev on this machine)`,
      "",
      "| case | p50 ms | p95 ms | p50 / static asset |",
      "| --- | ---: | ---: | ---: |",
      ...rows.map((r) => `| ${r.name} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.ratioToStatic.toFixed(1)}× |`),
      "",
    ].join("\n");
    writeResult("pages", { when, rounds: ROUNDS, node: process.version, rows }, table);
    console.log(table);
  } finally {
    await server.stop();
  }
}
