// `npm run feed -- FILE_OR_URL`: the normalised feed as one JSON object (workers/scraper/feeds/parse.ts),
// or a non-zero exit with a message naming the problem.
import { fail, loadTs, readInput } from "./ts.mjs";

const target = process.argv[2];
if (!target) fail("usage: npm run feed -- FILE_OR_URL");
const { parseFeedText } = await loadTs("workers/scraper/feeds/parse.ts");
const { safeFetch } = await loadTs("lib/http/safe-fetch.ts");
try {
  console.log(JSON.stringify(parseFeedText(await readInput(target, safeFetch))));
} catch (err) {
  fail(`${target}: ${err instanceof Error ? err.message : String(err)}`);
}
