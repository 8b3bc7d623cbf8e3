// `npm run bench [-- name ...]`: runs the named benchmarks (default: all) against the three Workers
// in `wrangler dev`. Each compares against baselines measured in the same run, because these machines
// are noisy. Results go to bench/results/<name>.{json,md}; docs/benchmarks.md summarises them.
const BENCHMARKS = {
  pages: () => import("./pages.mjs"),
  "content-list": () => import("./content-list.mjs"),
  extraction: () => import("./extraction.mjs"),
  "newsletter-send": () => import("./newsletter-send.mjs"),
  generate: () => import("./generate.mjs"),
  ingest: () => import("./ingest.mjs"),
  "schedule-precision": () => import("./schedule-precision.mjs"),
  "publish-faults": () => import("./publish-faults.mjs"),
  analytics: () => import("./analytics.mjs"),
};

const names = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = names.filter((n) => !BENCHMARKS[n]);
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(", ")}; known: ${Object.keys(BENCHMARKS).join(", ")}`);
  process.exit(2);
}
for (const name of names.length ? names : Object.keys(BENCHMARKS)) {
  console.log(`\n== ${name}`);
  await (await BENCHMARKS[name]()).run();
}
