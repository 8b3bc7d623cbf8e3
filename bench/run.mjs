// `npm run bench`: request latency of the api Worker under `wrangler dev`, each page measured
// against baselines taken in the same run (a static asset and /healthz), because these machines are
// noisy and only ratios compare across runs. Results: bench/results/latest.json and latest.md.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startDevServer } from "../scripts/dev-server.mjs";
import { root } from "../scripts/lib.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const server = await startDevServer(process.env.BENCH_PORT ?? 8798);

/** A signed-in session with a workspace, through the real forms. */
async function session(baseUrl) {
  const jar = new Map();
  const send = async (path, form) => {
    const headers = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "), origin: baseUrl, "sec-fetch-site": "same-origin" };
    if (form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers["x-csrf-token"] = jar.get("__Host-csrf");
    }
    const response = await fetch(baseUrl + path, { method: form ? "POST" : "GET", headers, body: form && new URLSearchParams(form), redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  };
  await send("/login");
  await send("/signup", { name: "Bench", email: `bench.${Date.now()}@example.com`, password: "a long bench password" });
  const created = await send("/workspaces", { name: "Bench" });
  const workspace = created.headers.get("location");
  return { send, workspace };
}

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
  writeFileSync(join(root, "bench/results/latest.json"), JSON.stringify({ when, rounds: ROUNDS, node: process.version, rows }, null, 2) + "\n");
  const table = [
    `# Benchmark results (${when}, ${ROUNDS} sequential requests each, wrangler dev on this machine)`,
    "",
    "| case | p50 ms | p95 ms | p50 / static asset |",
    "| --- | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.name} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.ratioToStatic.toFixed(1)}× |`),
    "",
  ].join("\n");
  writeFileSync(join(root, "bench/results/latest.md"), table);
  console.log(table);
} finally {
  server.stop();
}
