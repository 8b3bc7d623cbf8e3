// Benchmark "newsletter-send": 100,000 subscribers sent one newsletter through a fake SendGrid
// answering in 20 ms (1,000 personalizations a request): total time, messages per second and the
// Workers' peak memory (workerd's resident set, polled); then the same send killed at 50% (the whole
// `wrangler dev` stopped) and resumed on a fresh one: duplicates and missing must both be 0.
// The last line printed is one JSON object with the figures.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { WORKER_CONFIGS, root } from "../scripts/lib.mjs";
import { serveSendgrid } from "../test/fakes/sendgrid.ts";
import { session, writeResult } from "./lib.mjs";

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100_000);
const LATENCY_MS = 20;
/** Progress on stderr, so the last line on stdout stays the JSON figures. */
const step = (message) => console.error(`[newsletter-send ${new Date().toISOString().slice(11, 19)}] ${message}`);

/**
 * A frozen copy of what the Workers are built from. `wrangler dev` rebuilds and restarts its Workers
 * whenever a source file changes, and a restart drops the local queue's in-flight messages; on a
 * machine where others edit the repository, a long run would be measuring those restarts. The copy
 * shares node_modules through a symlink.
 */
function snapshotSources() {
  const dir = mkdtempSync(join(tmpdir(), "content-engine-src-"));
  const skip = (path) => /\/(\.wrangler|\.dev\.vars)$/.test(path) || path.endsWith(".test.ts");
  for (const entry of ["wrangler.toml", "package.json", "tsconfig.json", "worker-configuration.d.ts", "workers", "lib", "durable-objects", "web", "migrations"]) {
    cpSync(join(root, entry), join(dir, entry), { recursive: true, filter: (src) => !skip(src) });
  }
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/**
 * `wrangler dev` for the three Workers with extra variables (the fake provider's address), on a
 * throwaway state directory unless `reuse` names one (then also on the same frozen sources); the
 * same steps as scripts/dev-server.mjs. `logFile` gets wrangler's output as it comes.
 */
export async function startEmailDevServer(port, vars, reuse, logFile = process.env.EMAIL_DEV_LOG) {
  const baseUrl = `http://localhost:${port}`;
  const state = reuse?.state ?? mkdtempSync(join(tmpdir(), "content-engine-email-"));
  const secret = reuse?.secret ?? `${crypto.randomUUID()}-${crypto.randomUUID()}`;
  const src = reuse?.src ?? snapshotSources();
  const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", state, "-c", "wrangler.toml"], { cwd: src, encoding: "utf8" });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  const all = { SESSION_SECRET: secret, TOKEN_KEY: `${secret}-tokens`, ...vars };
  const varArgs = Object.entries(all).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  // `--var` reaches only the primary (api) Worker; the others read .dev.vars beside their wrangler.toml
  // (in the frozen copy, so no other run's .dev.vars is touched).
  for (const config of WORKER_CONFIGS.slice(1)) writeFileSync(join(src, dirname(config), ".dev.vars"), Object.entries(all).map(([k, v]) => `${k}=${v}\n`).join(""));
  const env = { ...process.env, ...all, CLOUDFLARE_INCLUDE_PROCESS_ENV: "true" };
  const server = spawn("npx", ["wrangler", "dev", ...WORKER_CONFIGS.flatMap((c) => ["-c", c]), "--port", String(port), "--persist-to", state, ...varArgs], { cwd: src, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const output = { log: "" };
  const record = (chunk) => {
    output.log += chunk;
    if (logFile) appendFileSync(logFile, chunk);
  };
  server.stdout.on("data", record);
  server.stderr.on("data", record);
  const exited = new Promise((resolve) => server.on("exit", resolve));
  const stop = async ({ keepState = false, signal = "SIGTERM" } = {}) => {
    try {
      process.kill(-server.pid, signal);
    } catch {}
    await exited;
    if (!keepState) {
      rmSync(state, { recursive: true, force: true });
      rmSync(src, { recursive: true, force: true });
    }
  };
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return { baseUrl, stop, output, state, secret, src, pid: server.pid };
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`wrangler dev did not become healthy within 90 s:\n${output.log}`);
}

function d1(state, args) {
  const result = spawnSync("npx", ["wrangler", "d1", "execute", "DB", "--local", "--persist-to", state, "-c", "wrangler.toml", "--json", ...args], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`wrangler d1 execute failed:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

const sha256 = async (text) => Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).toString("hex");

/**
 * The subscribers, straight into the local database, all on the list. 200 rows a statement keeps
 * each statement under D1's 100 KB limit (SQLITE_TOOBIG).
 */
async function seed(state, workspaceId, listId) {
  const now = Date.now();
  const lines = [];
  const ROWS = 200;
  for (let start = 0; start < SUBSCRIBERS; start += ROWS) {
    const subs = [];
    const members = [];
    for (let i = start; i < Math.min(SUBSCRIBERS, start + ROWS); i++) {
      const email = `reader${i}@bench.test`;
      const id = `sub_bench${i.toString(36).padStart(6, "0")}`;
      subs.push(`('${id}','${workspaceId}','${email}','${email}','${await sha256(`${workspaceId}:${email}`)}','Reader${i}','subscribed','[]','{}','import',${now},${now})`);
      members.push(`('${listId}','${id}','${workspaceId}',${now})`);
    }
    lines.push(`INSERT INTO subscribers (id, workspace_id, email, email_normalized, email_hash, first_name, status, tags, attributes, source, confirmed_at, created_at) VALUES ${subs.join(",")};`);
    lines.push(`INSERT INTO subscriber_lists (list_id, subscriber_id, workspace_id, created_at) VALUES ${members.join(",")};`);
  }
  const file = join(mkdtempSync(join(tmpdir(), "bench-email-")), "seed.sql");
  writeFileSync(file, lines.join("\n"));
  d1(state, ["--file", file]);
}

/** Sum of workerd's resident memory in the dev server's process group, in MB (Linux /proc). */
function workerdRssMb(pgid) {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid || !stat.includes("(workerd)")) continue;
      const rss = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/);
      if (rss) total += Number(rss[1]) / 1024;
    } catch {}
  }
  return total;
}

/** Through the real forms: provider settings on the fake, a list, a newsletter; ids back. */
async function prepareWorkspace(baseUrl, apiKey) {
  const { send, workspace, workspaceId } = await session(baseUrl, "Sender");
  const settings = await send(`${workspace}/newsletters/settings`, { provider: "sendgrid", apiKey, fromEmail: "bench@acme.test", fromName: "Bench", unsubscribeMailto: "unsubscribe@acme.test", ratePerSecond: "10000", postalAddress: "" });
  if (settings.status !== 303) throw new Error(`settings: ${settings.status} ${await settings.text()}`);
  await send(`${workspace}/subscribers/lists`, { name: "Everyone" });
  const lists = await (await send(`${workspace}/subscribers/lists`)).text();
  const listId = lists.match(/id="list-(lst_[a-z0-9]+)"/)[1];
  const created = await send(`${workspace}/newsletters`, { subject: "Bench for {{first_name|you}}", preheader: "", intro: "Hello {{first_name|there}}, this is the benchmark issue." });
  const newsletterId = created.headers.get("location").split("/").pop();
  return { send, workspace, workspaceId, listId, newsletterId };
}

async function startSend(ctx) {
  const started = await ctx.send(`${ctx.workspace}/newsletters/${ctx.newsletterId}/send`, { listId: ctx.listId, segmentId: "", scheduledAt: "" });
  if (started.status !== 303) throw new Error(`send: ${started.status} ${await started.text()}`);
  return started.headers.get("location");
}

const statusOf = async (ctx, sendPath) => (await (await ctx.send(`${sendPath}/progress`)).text()).match(/<span class="badge">(\w+)<\/span>/)?.[1];

function tally(messages) {
  const counts = new Map();
  for (const m of messages) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
  let missing = 0;
  for (let i = 0; i < SUBSCRIBERS; i++) if (!counts.has(`reader${i}@bench.test`)) missing++;
  return { delivered: counts.size, duplicates: [...counts.values()].reduce((sum, n) => sum + (n - 1), 0), missing };
}

/**
 * The consumer's own account of the send: one `email_send_run` log line per queue message that ran
 * it (workers/publisher/email/send.ts), summed: how many runs, and where their time went.
 */
function sendRuns(log) {
  const lines = log.split("\n").filter((l) => l.includes('"email_send_run"'));
  const runs = lines.map((l) => JSON.parse(l.slice(l.indexOf("{"), l.lastIndexOf("}") + 1)));
  const sum = (k) => runs.reduce((t, r) => t + (r[k] ?? 0), 0);
  const s = (k) => +(sum(k) / 1000).toFixed(1);
  return { runs: runs.length, batches: sum("batches"), runSeconds: s("ms"), claimSeconds: s("claimMs"), buildSeconds: s("buildMs"), providerSeconds: s("providerMs"), completeSeconds: s("completeMs"), throttleSeconds: s("throttleMs") };
}

/** A fresh server and workspace with the seeded subscribers, ready to send. */
async function seededServer(port, fake, apiKey) {
  const setup = await startEmailDevServer(port, { EMAIL_API_BASE_URL: fake.url });
  const ctx = await prepareWorkspace(setup.baseUrl, apiKey);
  await setup.stop({ keepState: true });
  await seed(setup.state, ctx.workspaceId, ctx.listId);
  const server = await startEmailDevServer(port, { EMAIL_API_BASE_URL: fake.url }, setup);
  // The session cookies still hold: same secret, same database.
  return { server, ctx };
}

export async function run() {
  const port = Number(process.env.BENCH_PORT ?? 8799);
  const fake = await serveSendgrid({ latencyMs: LATENCY_MS, lean: true });
  try {
    // 1. One full send, timed, with the consumer's memory polled.
    const fullKey = `SG.bench-full-${Date.now()}`;
    let { server, ctx } = await seededServer(port, fake, fullKey);
    // workerd's memory just before the send (the three Workers idle, the 100,000 subscribers loaded),
    // so the peak can be read as that plus what the send added.
    const idleMb = workerdRssMb(server.pid);
    let peakMb = idleMb;
    const poll = setInterval(() => (peakMb = Math.max(peakMb, workerdRssMb(server.pid))), 250);
    step(`full send of ${SUBSCRIBERS} starts`);
    const started = performance.now();
    const sendPath = await startSend(ctx);
    while ((await statusOf(ctx, sendPath)) !== "sent") {
      if (performance.now() - started > 30 * 60_000) throw new Error("the send did not finish in 30 minutes");
      await new Promise((r) => setTimeout(r, 500));
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(poll);
    const full = tally(fake.messages(fullKey));
    const runs = sendRuns(server.output.log);
    step(`full send done in ${seconds.toFixed(1)} s: ${JSON.stringify(full)}`);
    await server.stop();

    // 2. The same send, killed at 50% (SIGKILL of the whole dev server), resumed on a fresh one.
    const crashKey = `SG.bench-crash-${Date.now()}`;
    ({ server, ctx } = await seededServer(port, fake, crashKey));
    const crashPath = await startSend(ctx);
    while (fake.messages(crashKey).length < SUBSCRIBERS / 2) await new Promise((r) => setTimeout(r, 20));
    const atKill = fake.messages(crashKey).length;
    step(`killing the dev server after ${atKill} messages`);
    await server.stop({ keepState: true, signal: "SIGKILL" });
    const resumedServer = await startEmailDevServer(port, { EMAIL_API_BASE_URL: fake.url }, server);
    step("restarted; resuming");
    const resumeStarted = performance.now();
    // Queue messages do not survive a local restart; Resume restarts the send (harmless if one did).
    const resumed = await ctx.send(`${crashPath}/resume`, {});
    if (resumed.status !== 303) throw new Error(`resume: ${resumed.status} ${await resumed.text()}`);
    while ((await statusOf(ctx, crashPath)) !== "sent") {
      if (performance.now() - resumeStarted > 30 * 60_000) throw new Error("the resumed send did not finish in 30 minutes");
      await new Promise((r) => setTimeout(r, 500));
    }
    const resumeSeconds = (performance.now() - resumeStarted) / 1000;
    const crash = tally(fake.messages(crashKey));
    await resumedServer.stop();

    const providerFloor = (Math.ceil(SUBSCRIBERS / 1000) * LATENCY_MS) / 1000;
    const figures = {
      benchmark: "newsletter-send",
      when: new Date().toISOString(),
      subscribers: SUBSCRIBERS,
      providerLatencyMs: LATENCY_MS,
      personalizationsPerRequest: 1000,
      totalSeconds: +seconds.toFixed(1),
      messagesPerSecond: Math.round(SUBSCRIBERS / seconds),
      baselineProviderOnlySeconds: providerFloor,
      overProviderFloor: +(seconds / providerFloor).toFixed(1),
      idleWorkerdMemoryMb: Math.round(idleMb),
      peakWorkerdMemoryMb: Math.round(peakMb),
      consumer: runs,
      full: { delivered: full.delivered, duplicates: full.duplicates, missing: full.missing },
      crash: { killedAfterMessages: atKill, resumeSeconds: +resumeSeconds.toFixed(1), delivered: crash.delivered, duplicates: crash.duplicates, missing: crash.missing },
    };
    figures.targetMet = full.duplicates === 0 && full.missing === 0 && crash.duplicates === 0 && crash.missing === 0;
    const table = [
      `# newsletter-send (${figures.when}; ${SUBSCRIBERS} subscribers, fake SendGrid answering in ${LATENCY_MS} ms, wrangler dev on this machine)`,
      "",
      "| figure | value |",
      "| --- | ---: |",
      `| total time of the send | ${figures.totalSeconds} s |`,
      `| messages per second | ${figures.messagesPerSecond} |`,
      `| baseline: the provider's own time (${Math.ceil(SUBSCRIBERS / 1000)} requests × ${LATENCY_MS} ms) | ${providerFloor} s |`,
      `| memory of workerd (all three Workers and local D1): before the send / peak during it | ${figures.idleWorkerdMemoryMb} / ${figures.peakWorkerdMemoryMb} MB |`,
      `| consumer runs (queue messages) / batches | ${runs.runs} / ${runs.batches} |`,
      `| time inside runs | ${runs.runSeconds} s |`,
      `| of which: claiming batches (D1) / building them (links signed per recipient) / the provider / completing them (D1) / throttle pauses | ${runs.claimSeconds ?? "–"} / ${runs.buildSeconds ?? "–"} / ${runs.providerSeconds} / ${runs.completeSeconds ?? "–"} / ${runs.throttleSeconds} s |`,
      `| full send: duplicates / missing | ${full.duplicates} / ${full.missing} |`,
      `| killed after ${atKill} messages, resumed in ${figures.crash.resumeSeconds} s: duplicates / missing | ${crash.duplicates} / ${crash.missing} |`,
      "",
      `No duplicate and no missing message in both runs: ${figures.targetMet ? "met" : "NOT met"}.`,
      "",
    ].join("\n");
    writeResult("newsletter-send", figures, table);
    console.log(table);
    console.log(JSON.stringify(figures));
  } finally {
    await fake.close();
  }
}
