// Benchmark "extraction": pages per second and text F1 on the Readability corpus for our extractor
// (Readability on linkedom, the code the scraper Worker runs, bundled by esbuild) beside the peer
// baseline, Readability on jsdom, in the same Node process and run. Last line: one JSON object.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Readability } from "@mozilla/readability";
import { JSDOM } from "jsdom";
import { parseHTML } from "linkedom";
import { root } from "../scripts/lib.mjs";
import { loadTs } from "../scripts/ts.mjs";
import { writeResult } from "./lib.mjs";

const CORPUS = join(root, "..", "shared", "corpora", "readability", "test-pages");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function shingles(text) {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  const counts = new Map();
  for (let i = 0; i + 4 <= words.length; i++) {
    const key = words.slice(i, i + 4).join(" ");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
const total = (m) => [...m.values()].reduce((a, b) => a + b, 0);
function score(got, want) {
  let common = 0;
  for (const [k, c] of got) common += Math.min(c, want.get(k) ?? 0);
  return { p: total(got) ? common / total(got) : total(want) ? 0 : 1, r: total(want) ? common / total(want) : 1 };
}

export async function run() {
  if (!existsSync(CORPUS)) throw new Error(`corpus not found at ${CORPUS}`);
  const pages = readdirSync(CORPUS)
    .filter((name) => existsSync(join(CORPUS, name, "expected.html")))
    .map((name) => ({
      name,
      html: readFileSync(join(CORPUS, name, "source.html"), "utf8"),
      want: shingles(parseHTML(`<html><body>${readFileSync(join(CORPUS, name, "expected.html"), "utf8")}</body></html>`).document.body.textContent ?? ""),
    }));
  const { extractArticle } = await loadTs("workers/scraper/extract/article.ts");
  const engines = {
    "ours (Readability on linkedom)": (page) => extractArticle(page.html, `http://fakehost/test/${page.name}/`)?.text ?? "",
    "baseline (Readability on jsdom)": (page) => {
      const dom = new JSDOM(page.html, { url: `http://fakehost/test/${page.name}/` });
      return new Readability(dom.window.document).parse()?.textContent ?? "";
    },
  };
  const results = {};
  for (const [name, extract] of Object.entries(engines)) {
    let P = 0;
    let R = 0;
    for (const page of pages) {
      const s = score(shingles(extract(page)), page.want);
      P += s.p;
      R += s.r;
    }
    P /= pages.length;
    R /= pages.length;
    const started = performance.now();
    for (let round = 0; round < ROUNDS; round++) for (const page of pages) extract(page);
    const seconds = (performance.now() - started) / 1000;
    results[name] = { pagesPerSecond: +((pages.length * ROUNDS) / seconds).toFixed(1), f1: +((2 * P * R) / (P + R)).toFixed(3) };
  }
  const figures = { benchmark: "extraction", when: new Date().toISOString(), pages: pages.length, rounds: ROUNDS, results };
  const table = [
    `# extraction (${figures.when}; ${pages.length} pages × ${ROUNDS} rounds, Node ${process.version})`,
    "",
    "| extractor | pages/s | text F1 |",
    "| --- | ---: | ---: |",
    ...Object.entries(results).map(([k, r]) => `| ${k} | ${r.pagesPerSecond} | ${r.f1} |`),
    "",
  ].join("\n");
  writeResult("extraction", figures, table);
  console.log(table);
  console.log(JSON.stringify(figures));
}
