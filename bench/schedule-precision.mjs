// Benchmark "schedule-precision": 2,000 publications over 200 Bluesky accounts, all due within the
// same 60 seconds. The publisher Worker (bundled by wrangler, in Miniflare with its wrangler.toml
// bindings: local D1, the AccountScheduler and RateLimiter Durable Objects) arms each account's
// scheduler from its minute sweep, and every alarm publishes to the fake PDS (test/fakes/bluesky.ts),
// which runs in a process of its own and is reached over HTTP on this machine (ALLOW_LOOPBACK=1).
// Lag is the fake's receive time minus the instant asked. Target: p99 lag ≤ 1 s, 0 missing, 0
// duplicates.
//
// Baseline, same run and process: Node timers set for the same instants, to show how late anything
// fires on this machine under this load. Last line: one JSON object.
import { writeResult } from "./lib.mjs";
import { publishingBench, summary } from "./publishing.mjs";

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 200);
const PUBLICATIONS = Number(process.env.BENCH_PUBLICATIONS ?? 2_000);
const SPREAD_MS = Number(process.env.BENCH_SPREAD_MS ?? 60_000);
/**
 * Publications are armed when they are scheduled, long before they are due; here the minute sweep
 * arms them all, so the first is due well after arming ends (as after a deploy's sweep).
 */
const ARM_LEAD_MS = Number(process.env.BENCH_ARM_LEAD_MS ?? 30_000);

export async function run() {
  const offset = (n) => ARM_LEAD_MS + Math.floor((n * SPREAD_MS) / PUBLICATIONS);
  const bench = await publishingBench({ accounts: ACCOUNTS, publications: PUBLICATIONS, dueOffset: offset });
  try {
    const { start, armedInMs } = await bench.arm();
    if (armedInMs > ARM_LEAD_MS) console.error(`arming took ${armedInMs} ms, longer than the ${ARM_LEAD_MS} ms lead: the first publications are late because of it`);
    const due = new Map(Array.from({ length: PUBLICATIONS }, (_, n) => [`pub_${n}`, start + offset(n)]));
    const baseline = [];
    for (const at of due.values()) setTimeout(() => baseline.push(Date.now() - at), at - Date.now());

    const end = start + ARM_LEAD_MS + SPREAD_MS;
    while (Date.now() < end + 15_000 && ((await bench.statusCounts()).published ?? 0) < PUBLICATIONS) await new Promise((resolve) => setTimeout(resolve, 1_000));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, end + 1_000 - Date.now())));

    const byPublication = await bench.recordsByPublication();
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
    const lag = summary(lags);
    const timers = summary(baseline);
    const result = {
      benchmark: "schedule-precision",
      accounts: ACCOUNTS,
      publications: PUBLICATIONS,
      publishedInD1: (await bench.statusCounts()).published ?? 0,
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
      `# schedule-precision\n\n${PUBLICATIONS} publications over ${ACCOUNTS} Bluesky accounts, due within ${SPREAD_MS / 1000} s; publisher in Miniflare, fake PDS in its own process over local HTTP.\n\n` +
        `| | p50 ms | p99 ms | max ms |\n|---|---|---|---|\n| publication lag | ${lag.p50} | ${lag.p99} | ${lag.max} |\n| baseline: Node timers, same instants | ${timers.p50} | ${timers.p99} | ${timers.max} |\n\n` +
        `missing ${missing}, duplicates ${duplicates}, early ${early}; target (p99 ≤ 1 s, none missing or doubled) ${result.targetMet ? "met" : "NOT met"}.\n`,
    );
    console.log(JSON.stringify(result));
  } finally {
    await bench.stop();
  }
}
