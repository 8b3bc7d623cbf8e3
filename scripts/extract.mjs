// `npm run extract -- FILE_OR_URL [--url URL]`: the article extraction of a page as one JSON object
// (workers/scraper/extract/article.ts). `--url` gives a file the address its links resolve against.
import { fail, loadTs, readInput } from "./ts.mjs";

const args = process.argv.slice(2);
const target = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--url");
const urlFlag = args.indexOf("--url");
if (!target) fail("usage: npm run extract -- FILE_OR_URL [--url URL]");
const base = urlFlag >= 0 ? args[urlFlag + 1] : /^https?:/.test(target) ? target : "http://localhost/";
const { extractArticle } = await loadTs("workers/scraper/extract/article.ts");
const { safeFetch } = await loadTs("lib/http/safe-fetch.ts");
try {
  const article = extractArticle(await readInput(target, safeFetch), base);
  if (!article) fail(`${target}: no article found in this page`);
  const { title, byline, excerpt, siteName, publishedAt, language, readerable, text, html } = article;
  console.log(JSON.stringify({ title, byline, excerpt, siteName, publishedTime: publishedAt?.toISOString() ?? null, lang: language, readerable, text, html }));
} catch (err) {
  fail(`${target}: ${err instanceof Error ? err.message : String(err)}`);
}
