// Benchmark "publish-faults": 10,000 publications over 100 Bluesky accounts, all due at once,
// against a fake PDS that fails 10% of post creations with a 5xx, accepts 5% and then drops the
// answer (the post exists; the publisher times out after 2 s and must find it, not post again), and
// answers 2% with Bluesky's burst 429 (reset in 5 s); each account's hourly write budget is the
// fake's own. Counted at the end from the fake and D1: published; duplicates (more than one post for
// a publication); lost (marked published with no post on the platform, on the platform but marked
// failed, or still unsettled when the run gives up); failed for good (reported, after 6 attempts);
// and the time to drain, against the least time the platform's posting limits allow for the same
// posts (connectors/limits.ts). Targets: 0 duplicates, 0 lost. Last line: one JSON object.
import { loadTs } from "../scripts/ts.mjs";
import { writeResult } from "./lib.mjs";
import { publishingBench } from "./publishing.mjs";

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100);
const PUBLICATIONS = Number(process.env.BENCH_PUBLICATIONS ?? 10_000);
const FAULTS = { status5xx: 0.1, acceptThenDrop: 0.05, rateLimited: 0.02 };
const TIMEOUT_MS = 2_000;
const LEAD_MS = 10_000;
const GIVE_UP_MS = Number(process.env.BENCH_GIVE_UP_MS ?? 25 * 60_000);

/** The least time Bluesky's published windows allow for `posts` posts on one account. */
function rateLimitFloorMs(limits, posts) {
  let floor = 0;
  for (const { limit, windowMs } of limits.windows) {
    const perWindow = Math.floor(limit / limits.cost);
    floor = Math.max(floor, Math.ceil(posts / perWindow - 1) * windowMs);
  }
  return floor;
}

export async function run() {
  const { POSTING_LIMITS } = await loadTs("workers/publisher/connectors/limits.ts");
  const bench = await publishingBench({ accounts: ACCOUNTS, publications: PUBLICATIONS, dueOffset: () => LEAD_MS, bindings: { PUBLISH_TIMEOUT_MS: String(TIMEOUT_MS) } });
  try {
    await bench.fakeControl("faults", { rates: FAULTS });
    const { start } = await bench.arm();
    const due = start + LEAD_MS;
    const milestones = {};
    let counts = {};
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      counts = await bench.statusCounts();
      const settled = (counts.published ?? 0) + (counts.failed ?? 0);
      for (const [name, share] of [["p50", 0.5], ["p99", 0.99], ["all", 1]]) if (!milestones[name] && settled >= share * PUBLICATIONS) milestones[name] = Date.now() - due;
      if (settled >= PUBLICATIONS || Date.now() - due > GIVE_UP_MS) break;
    }
    const byPublication = await bench.recordsByPublication();
    const statuses = await bench.statuses();
    let duplicates = 0;
    let publishedWithoutPost = 0;
    let postedButFailed = 0;
    for (const [id, status] of statuses) {
      const posts = byPublication.get(id)?.length ?? 0;
      duplicates += Math.max(0, posts - 1);
      if (status === "published" && posts === 0) publishedWithoutPost++;
      if (status === "failed" && posts > 0) postedButFailed++;
    }
    // Why the failed ones failed, in the platform's and the publisher's words.
    const failureReasons = Object.fromEntries(
      (await bench.db.prepare("SELECT last_error AS reason, COUNT(*) AS n FROM publications WHERE status = 'failed' GROUP BY last_error ORDER BY n DESC LIMIT 5").all()).results.map((r) => [r.reason, r.n]),
    );
    const published = counts.published ?? 0;
    const failed = counts.failed ?? 0;
    const unsettled = PUBLICATIONS - published - failed;
    const lost = publishedWithoutPost + postedButFailed + unsettled;
    const floorMs = rateLimitFloorMs(POSTING_LIMITS.bluesky, Math.ceil(PUBLICATIONS / ACCOUNTS));
    const result = {
      benchmark: "publish-faults",
      accounts: ACCOUNTS,
      publications: PUBLICATIONS,
      faultRates: FAULTS,
      publishTimeoutMs: TIMEOUT_MS,
      published,
      failedForGood: failed,
      failureReasons,
      duplicates,
      lost,
      lostDetail: { publishedWithoutPost, postedButFailed, unsettled },
      drainSeconds: { half: milestones.p50 / 1000, p99: milestones.p99 / 1000, all: milestones.all ? milestones.all / 1000 : null },
      rateLimitFloorSeconds: floorMs / 1000,
      targetMet: duplicates === 0 && lost === 0,
    };
    writeResult(
      "publish-faults",
      result,
      `# publish-faults\n\n${PUBLICATIONS} publications over ${ACCOUNTS} Bluesky accounts, all due at once; fake PDS failing 10% with 5xx, dropping 5% of answers after accepting, 2% burst 429s.\n\n` +
        `| published | failed for good (reported) | duplicates | lost | half settled | 99% settled | all settled | rate-limit floor |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n` +
        `| ${published} | ${failed} | ${duplicates} | ${lost} | ${result.drainSeconds.half} s | ${result.drainSeconds.p99} s | ${result.drainSeconds.all ?? "not within the run"} s | ${result.rateLimitFloorSeconds} s |\n\n` +
        `Target (0 duplicates, 0 lost) ${result.targetMet ? "met" : "NOT met"}.\n`,
    );
    console.log(JSON.stringify(result));
  } finally {
    await bench.stop();
  }
}
