// Shared pieces of the benchmarks: a signed-in session through the real forms, and a load runner.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../scripts/lib.mjs";

export { session } from "../scripts/session.mjs";

/** Runs `request` from `clients` concurrent loops for `seconds`; latency percentiles and throughput. */
export async function load(request, { clients = 20, seconds = 10 } = {}) {
  const times = [];
  let failures = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const response = await request();
        await response.arrayBuffer();
        if (response.status >= 400) failures++;
        times.push(performance.now() - started);
      }
    }),
  );
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { requests: times.length, failures, rps: times.length / seconds, p50: at(0.5), p99: at(0.99) };
}

export function writeResult(name, result, markdown) {
  writeFileSync(join(root, "bench/results", `${name}.json`), JSON.stringify(result, null, 2) + "\n");
  writeFileSync(join(root, "bench/results", `${name}.md`), markdown);
}
