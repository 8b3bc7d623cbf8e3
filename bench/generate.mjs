// Benchmark "generate": 1,000 generation jobs (an X post each) through the real `generate` queue of
// `wrangler dev`, against the fake OpenAI-compatible server (test/fakes/openai.ts) answering in 50 ms.
// Figures: jobs per second from the first job queued to the last done; queue-to-done latency p50/p99
// (job created → job finished, from the job rows); CPU time per job outside the provider's wait
// (the workerd process's user+system CPU over the run, divided by the jobs; the fake runs in this
// Node process, so its time is not counted); and the wall time per job spent outside provider calls.
// The baseline, in the same run, is the same jobs' provider wait: the 50 ms the fake takes.
// The last line printed is one JSON object with the figures.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "../scripts/lib.mjs";
import { openaiFake } from "../test/fakes/openai.ts";
import { session, writeResult } from "./lib.mjs";

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const DELAY_MS = 50;
const CONCURRENT_SUBMITS = 20;
const VOCABULARY = (
  "harbour ferry tram council budget river station bridge market festival school library museum stadium airport bakery garden theatre clinic " +
  "factory orchard vineyard canal tunnel beach forest mountain village district cycleway lighthouse quarry meadow glacier harvest parade " +
  "election hospital railway motorway reservoir observatory aquarium cathedral marina pier boulevard plaza courthouse warehouse refinery"
).split(" ");

/** The fake provider as a real HTTP server on loopback, answering every request after 50 ms. */
async function fakeProvider() {
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    const response = await openaiFake(request, { mode: "ok", delayMs: DELAY_MS });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}/v1` };
}

/**
 * The api Worker alone (it is the generate consumer) in `wrangler dev`, with ALLOW_LOOPBACK=1 so
 * a provider on this machine passes the SSRF checks: the operator's switch for local providers.
 */
async function apiWorker(port) {
  const state = mkdtempSync(join(tmpdir(), "content-engine-bench-"));
  const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", state, "-c", "wrangler.toml"], { cwd: root, encoding: "utf8" });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  const secret = `${crypto.randomUUID()}-${crypto.randomUUID()}`;
  const child = spawn("npx", ["wrangler", "dev", "-c", "wrangler.toml", "--port", String(port), "--persist-to", state, "--var", `SESSION_SECRET:${secret}`, "--var", `TOKEN_KEY:${secret}-tokens`, "--var", "ALLOW_LOOPBACK:1"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  child.stdout.on("data", (c) => (log += c));
  child.stderr.on("data", (c) => (log += c));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const stop = async () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    await exited;
    writeFileSync(join(root, "bench/results/generate-wrangler.log"), log);
    rmSync(state, { recursive: true, force: true });
  };
  const baseUrl = `http://localhost:${port}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return { baseUrl, stop, pid: child.pid, log: () => log };
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`wrangler dev did not start:\n${log}`);
}

/** user+system CPU seconds of every workerd process under `pid` (Linux /proc). */
function workerdCpuSeconds(pid) {
  const parent = new Map();
  const stats = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(entry), Number(fields[1]));
      stats.set(Number(entry), { comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), cpu: Number(fields[11]) + Number(fields[12]) });
    } catch {}
  }
  const under = (p) => {
    for (let at = p; at > 1; at = parent.get(at) ?? 0) if (at === pid) return true;
    return false;
  };
  let ticks = 0;
  for (const [p, s] of stats) if (s.comm.includes("workerd") && under(p)) ticks += s.cpu;
  return ticks / 100;
}

const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

export async function run() {
  const provider = await fakeProvider();
  const worker = await apiWorker(process.env.BENCH_PORT ?? 8801);
  try {
    const { send, workspace, workspaceId } = await session(worker.baseUrl, "Generator");
    const tokenPage = await (await send(`${workspace}/tokens`, { name: "bench", scope: "write" }, { "hx-request": "true" })).text();
    const token = tokenPage.match(/value="(cet_[\w-]+)"/)[1];
    const call = (method, path, body) =>
      fetch(`${worker.baseUrl}/api/v1/workspaces/${workspaceId}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body && JSON.stringify(body) });
    const added = await call("POST", "/generation/providers", { name: "Fake", baseUrl: provider.url, model: "bench-model", apiKey: "sk-bench" });
    if (added.status !== 201) throw new Error(`adding the provider failed: ${added.status} ${await added.text()}`);

    // Each job a different brief (12 words drawn at random), so no answer comes from the cache and
    // no post is too similar to the last ones (which would cost a repair request).
    const brief = (i) => Array.from({ length: 12 }, () => VOCABULARY[Math.floor(Math.random() * VOCABULARY.length)]).join(" ") + ` no. ${i}`;
    const submit = async (i) => {
      const response = await call("POST", "/generation/jobs", { kind: "posts", brief: brief(i), platforms: ["x"] });
      if (response.status !== 202) throw new Error(`job ${i}: ${response.status} ${await response.text()}`);
      return (await response.json()).id;
    };
    // Jobs finish roughly in the order they were queued: follow the oldest unfinished one.
    const waitAll = async (ids) => {
      const pending = [...ids];
      const deadline = Date.now() + 10 * 60_000;
      while (pending.length) {
        if (Date.now() > deadline) throw new Error(`${pending.length} jobs unfinished after 10 minutes, first ${pending[0]}; see bench/results/generate-wrangler.log`);
        const job = await (await call("GET", `/generation/jobs/${pending[0]}`)).json();
        if (["done", "failed", "cancelled"].includes(job.status)) pending.shift();
        else await new Promise((r) => setTimeout(r, 500));
      }
    };

    await waitAll(await Promise.all(Array.from({ length: 20 }, (_, i) => submit(-1 - i)))); // warm-up, not counted

    const cpuBefore = workerdCpuSeconds(worker.pid);
    const ids = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENT_SUBMITS }, async () => {
        while (next < JOBS) ids.push(await submit(next++));
      }),
    );
    await waitAll(ids);
    const cpuSeconds = workerdCpuSeconds(worker.pid) - cpuBefore;

    const jobs = await Promise.all(ids.map(async (id) => (await call("GET", `/generation/jobs/${id}`)).json()));
    const failed = jobs.filter((j) => j.status !== "done");
    const latency = jobs.map((j) => Date.parse(j.finishedAt) - Date.parse(j.createdAt)).sort((a, b) => a - b);
    const first = Math.min(...jobs.map((j) => Date.parse(j.createdAt)));
    const last = Math.max(...jobs.map((j) => Date.parse(j.finishedAt)));
    const providerWait = jobs.map((j) => j.attempts.reduce((sum, a) => sum + a.durationMs, 0));
    const outside = jobs.map((j, i) => Date.parse(j.finishedAt) - Date.parse(j.startedAt) - providerWait[i]).sort((a, b) => a - b);
    const calls = jobs.reduce((n, j) => n + j.attempts.length, 0);

    const figures = {
      benchmark: "generate",
      when: new Date().toISOString(),
      jobs: JOBS,
      providerDelayMs: DELAY_MS,
      failed: failed.length,
      providerCallsPerJob: +(calls / JOBS).toFixed(2),
      jobsPerSecond: +((JOBS * 1000) / (last - first)).toFixed(1),
      queueToDoneMs: { p50: percentile(latency, 0.5), p99: percentile(latency, 0.99) },
      cpuMsPerJob: +((cpuSeconds * 1000) / JOBS).toFixed(2),
      wallMsPerJobOutsideProvider: { p50: percentile(outside, 0.5), p99: percentile(outside, 0.99) },
      baselineProviderWaitMs: { p50: percentile([...providerWait].sort((a, b) => a - b), 0.5) },
    };
    const markdown = [
      "# generate",
      "",
      `${JOBS} jobs (one X post each) through the generate queue of \`wrangler dev\`, against the fake provider answering in ${DELAY_MS} ms. Run ${figures.when}.`,
      "",
      "| figure | value |",
      "| --- | --- |",
      `| jobs per second | ${figures.jobsPerSecond} |`,
      `| queue-to-done p50 / p99 | ${figures.queueToDoneMs.p50} ms / ${figures.queueToDoneMs.p99} ms |`,
      `| workerd CPU per job | ${figures.cpuMsPerJob} ms |`,
      `| wall time per job outside provider calls, p50 / p99 | ${figures.wallMsPerJobOutsideProvider.p50} ms / ${figures.wallMsPerJobOutsideProvider.p99} ms |`,
      `| provider wait per job (baseline), p50 | ${figures.baselineProviderWaitMs.p50} ms |`,
      `| provider calls per job | ${figures.providerCallsPerJob} |`,
      `| failed jobs | ${figures.failed} |`,
      "",
    ].join("\n");
    writeResult("generate", figures, markdown);
    console.log(markdown);
    if (failed.length) console.error(`failed jobs, first: ${failed[0].error}`);
    console.log(JSON.stringify(figures));
  } finally {
    await worker.stop();
    provider.server.close();
  }
}
