// Benchmark "schedule-precision": 2,000 publications over 200 Bluesky accounts, all due within the
// same 60 seconds. The publisher Worker (bundled by wrangler, in Miniflare with its wrangler.toml
// bindings: local D1, the AccountScheduler and RateLimiter Durable Objects) arms each account's
// scheduler from its minute sweep, and every alarm publishes to the fake PDS (test/fakes/bluesky.ts),
// which runs in a process of its own and is reached over HTTP on this machine (ALLOW_LOOPBACK=1).
// Lag is the fake's receive time minus the instant asked.
// Target: p99 lag ≤ 1 s, 0 missing, 0 duplicates.
//
// Baseline, same run and process: 2,000 Node timers set for the same instants, to show how late
// anything fires on this machine under this load. Last line: one JSON object.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { root } from "../scripts/lib.mjs";
import { loadTs } from "../scripts/ts.mjs";
import { writeResult } from "./lib.mjs";
import { startWorker } from "./miniflare.mjs";

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 200);
const PUBLICATIONS = Number(process.env.BENCH_PUBLICATIONS ?? 2_000);
const SPREAD_MS = Number(process.env.BENCH_SPREAD_MS ?? 60_000);
const ARM_LEAD_MS = Number(process.env.BENCH_ARM_LEAD_MS ?? 30_000);
const TOKEN_KEY = "bench-token-key-bench-token-key-0123456789";

const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (lags) => {
  const sorted = [...lags].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) };
};

/** The fake platforms in a process of their own (scripts/fake-platforms.mjs), with `accounts` Bluesky accounts. */
async function startFakes(accounts) {
  const child = spawn(process.execPath, [join(root, "scripts/fake-platforms.mjs"), String(accounts)], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const [line] = await once(createInterface({ input: child.stdout }), "line");
  return { ...JSON.parse(line), stop: () => child.kill("SIGTERM") };
}

export async function run() {
  const { seal } = await loadTs("lib/crypto/sealed.ts");
  const fakes = await startFakes(ACCOUNTS);
  const PDS = fakes.blueskyUrl;
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({ handle: `a${i}.bsky.test`, password: `pw-${i}` }));
  // Sessions opened and sealed before the Worker starts, as connecting the accounts would have.
  const credentials = [];
  for (const [i, account] of accounts.entries()) {
    const session = await (await fetch(`${PDS}/xrpc/com.atproto.server.createSession`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ identifier: account.handle, password: account.password }) })).json();
    account.did = session.did;
    credentials.push(await seal({ secret: TOKEN_KEY, purpose: "account-credentials", rowId: `acc_${i}` }, JSON.stringify({ accessJwt: session.accessJwt, refreshJwt: session.refreshJwt, appPassword: account.password })));
  }
  // The Worker reaches the fake over real HTTP on this machine, like a platform over the network.
  const publisher = await startWorker("workers/publisher/wrangler.toml", {
    bindings: { TOKEN_KEY, ALLOW_LOOPBACK: "1" },
    onLog: (message) => message.includes('"level":"error"') && console.error(message),
  });
  try {
    const { db, worker } = publisher;
    const now = Date.now();
    // [sql, ...params], prepared a batch at a time: Miniflare's D1 proxy holds each prepared statement.
    const statements = [
      ["INSERT INTO users (id, email, name, password_hash) VALUES ('usr_bench', 'bench@example.com', 'Bench', 'x')"],
      ["INSERT INTO workspaces (id, name) VALUES ('ws_bench', 'Schedule bench')"],
    ];
    for (const [i, account] of accounts.entries()) {
      statements.push(
        ["INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, 'ws_bench', 'bluesky', ?, ?, ?, ?)", `acc_${i}`, account.did, account.handle, PDS, credentials[i]],
      );
    }
    // Due instants spread evenly over 60 seconds: stored as offsets, moved to real instants once seeded.
    const offsets = new Map();
    for (let n = 0; n < PUBLICATIONS; n++) {
      const at = Math.floor((n * SPREAD_MS) / PUBLICATIONS);
      offsets.set(`pub_${n}`, at);
      statements.push(
        ["INSERT INTO content (id, workspace_id, kind, title, status, author_id, updated_at) VALUES (?, 'ws_bench', 'post', ?, 'scheduled', 'usr_bench', ?)", `cnt_${n}`, `Post ${n}`, now],
        ["INSERT INTO content_variants (id, workspace_id, content_id, platform, text) VALUES (?, 'ws_bench', ?, 'bluesky', ?)", `var_${n}`, `cnt_${n}`, `Bench post pub_${n}`],
        [
          "INSERT INTO publications (id, workspace_id, content_id, variant_id, account_id, scheduled_at, scheduled_zone, idempotency_key, updated_at) VALUES (?, 'ws_bench', ?, ?, ?, ?, 'UTC', ?, ?)",
          `pub_${n}`,
          `cnt_${n}`,
          `var_${n}`,
          `acc_${n % ACCOUNTS}`,
          at,
          `idem_${n}`,
          now,
        ],
      );
    }
    for (let i = 0; i < statements.length; i += 50) await db.batch(statements.slice(i, i + 50).map(([sql, ...params]) => db.prepare(sql).bind(...params)));
    // Publications are armed when they are scheduled, long before they are due; here the minute
    // sweep arms them all, so the first is due well after arming ends (as after a deploy's sweep).
    const start = Date.now() + ARM_LEAD_MS;
    await db.prepare("UPDATE publications SET scheduled_at = scheduled_at + ?").bind(start).run();
    const due = new Map([...offsets].map(([id, offset]) => [id, start + offset]));

    // Arm every account's scheduler the way the minute cron does after a deploy.
    const arming = Date.now();
    await worker.scheduled({ scheduledTime: new Date(), cron: "* * * * *" });
    const armedInMs = Date.now() - arming;
    if (Date.now() > start) console.error(`arming took ${armedInMs} ms, longer than the ${ARM_LEAD_MS} ms lead: the first publications are late because of it`);
    const baseline = [];
    for (const at of due.values()) setTimeout(() => baseline.push(Date.now() - at), at - Date.now());

    const end = start + SPREAD_MS;
    const publishedCount = async () => (await db.prepare("SELECT COUNT(*) AS n FROM publications WHERE status = 'published'").first()).n;
    while (Date.now() < end + 15_000 && (await publishedCount()) < PUBLICATIONS) await new Promise((resolve) => setTimeout(resolve, 1_000));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, end + 1_000 - Date.now())));

    const byPublication = new Map();
    const { records } = await (await fetch(`${PDS}/_fake/state`)).json();
    for (const record of records) {
      const id = record.value.text.replace("Bench post ", "");
      byPublication.set(id, [...(byPublication.get(id) ?? []), record]);
    }
    const lags = [];
    let missing = 0;
    let duplicates = 0;
    for (const [id, at] of due) {
      const records = byPublication.get(id) ?? [];
      if (records.length === 0) missing++;
      duplicates += Math.max(0, records.length - 1);
      if (records[0]) lags.push(records[0].receivedAt - at);
    }
    const early = lags.filter((lag) => lag < 0).length;
    const published = (await db.prepare("SELECT COUNT(*) AS n FROM publications WHERE status = 'published'").first()).n;
    const lag = summary(lags);
    const timers = summary(baseline);
    const result = {
      benchmark: "schedule-precision",
      accounts: ACCOUNTS,
      publications: PUBLICATIONS,
      publishedInD1: published,
      lagMs: lag,
      missing,
      duplicates,
      early,
      armedInMs,
      baselineNodeTimerLagMs: timers,
      targetMet: lag.p99 <= 1000 && missing === 0 && duplicates === 0 && early === 0,
    };
    writeResult(
      "schedule-precision",
      result,
      `# schedule-precision\n\n${PUBLICATIONS} publications over ${ACCOUNTS} Bluesky accounts, due within 60 s; publisher in Miniflare, fake PDS in its own process over local HTTP.\n\n` +
        `| | p50 ms | p99 ms | max ms |\n|---|---|---|---|\n| publication lag | ${lag.p50} | ${lag.p99} | ${lag.max} |\n| baseline: Node timers, same instants | ${timers.p50} | ${timers.p99} | ${timers.max} |\n\n` +
        `missing ${missing}, duplicates ${duplicates}, early ${early}; target (p99 ≤ 1 s, none missing or doubled) ${result.targetMet ? "met" : "NOT met"}.\n`,
    );
    console.log(JSON.stringify(result));
  } finally {
    await publisher.dispose();
    fakes.stop();
  }
}
