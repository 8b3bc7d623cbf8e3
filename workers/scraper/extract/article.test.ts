/**
 * Extraction against Readability's own test pages (../shared/corpora/readability/test-pages), scored
 * as the corpus README says: text as multisets of 4-word shingles (precision and recall per page,
 * averaged, F1 of the averages), and each metadata field matched exactly after trimming.
 */
import { describe, expect, it } from "vitest";
import { parseHTML } from "linkedom";
import { extractArticle } from "./article";

const sources = import.meta.glob("../../../../shared/corpora/readability/test-pages/*/source.html", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const expectedHtml = import.meta.glob("../../../../shared/corpora/readability/test-pages/*/expected.html", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const expectedMeta = import.meta.glob("../../../../shared/corpora/readability/test-pages/*/expected-metadata.json", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

const page = (path: string) => path.split("/").at(-2)!;

type Metadata = { title?: string | null; byline?: string | null; excerpt?: string | null; siteName?: string | null; publishedTime?: string | null; lang?: string | null; readerable?: boolean };
const FIELDS = ["title", "byline", "excerpt", "siteName", "publishedTime", "lang", "readerable"] as const;

/**
 * Pages where we differ from the expected output, each with the reason. Readability 0.6 gives the
 * same answer on jsdom for every one of them (checked with bench/extraction.mjs), so none of these
 * is a linkedom difference: the expectations come from a later Readability, or we read more.
 */
const KNOWN_DIFFERENCES: Record<string, { fields: (typeof FIELDS[number] | "text")[]; why: string }> = {
  "title-en-dash": { fields: ["title"], why: "a later Readability also cuts a site name after an en dash" },
  heise: { fields: ["publishedTime"], why: "we also read <meta name=date>; Readability does not" },
  mathjax: { fields: ["text"], why: "a later Readability keeps MathML text that 0.6 drops" },
};

function shingles(text: string): Map<string, number> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  const counts = new Map<string, number>();
  for (let i = 0; i + 4 <= words.length; i++) {
    const key = words.slice(i, i + 4).join(" ");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function overlap(a: Map<string, number>, b: Map<string, number>): number {
  let n = 0;
  for (const [key, count] of a) n += Math.min(count, b.get(key) ?? 0);
  return n;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);

describe("article extraction on the Readability corpus", () => {
  it("finds the corpus next to the project", () => {
    expect(Object.keys(sources).length, "expected ../shared/corpora/readability/test-pages/*/source.html").toBeGreaterThanOrEqual(65);
    expect(Object.keys(expectedMeta).length, "expected ../shared/corpora/readability/test-pages/*/expected-metadata.json").toBeGreaterThanOrEqual(65);
  });

  const pages = Object.entries(sources).map(([path, html]) => {
    const name = page(path);
    const find = (files: Record<string, string>) => Object.entries(files).find(([p]) => page(p) === name)?.[1];
    return { name, html, wantHtml: find(expectedHtml), wantMeta: JSON.parse(find(expectedMeta) ?? "null") as Metadata | null, article: extractArticle(html, `http://fakehost/test/${name}/`) };
  });

  it("scores text F1 at least 0.95 over the pages, and names the weak ones", () => {
    let precision = 0;
    let recall = 0;
    const weak: string[] = [];
    const scored = pages.filter((p) => p.wantHtml !== undefined);
    for (const { name, wantHtml, article } of scored) {
      const got = shingles(article?.text ?? "");
      const want = shingles(parseHTML(`<html><body>${wantHtml}</body></html>`).document.body?.textContent ?? "");
      const common = overlap(got, want);
      const p = total(got) ? common / total(got) : total(want) ? 0 : 1;
      const r = total(want) ? common / total(want) : 1;
      precision += p;
      recall += r;
      if ((p < 0.9 || r < 0.9) && !KNOWN_DIFFERENCES[name]?.fields.includes("text")) weak.push(`${name}: P ${p.toFixed(2)} R ${r.toFixed(2)}`);
    }
    const P = precision / scored.length;
    const R = recall / scored.length;
    const f1 = (2 * P * R) / (P + R);
    console.log(JSON.stringify({ pages: scored.length, precision: +P.toFixed(3), recall: +R.toFixed(3), f1: +f1.toFixed(3), weak }));
    expect(scored.length).toBeGreaterThanOrEqual(65);
    expect(f1, weak.join("\n")).toBeGreaterThanOrEqual(0.95);
    // ehow-1 sits just under 0.9 recall on jsdom too; anything else this weak is a regression.
    expect(weak.filter((w) => !w.startsWith("ehow-1:"))).toEqual([]);
  });

  it("matches the expected metadata field by field, except the known differences", () => {
    const misses: string[] = [];
    const matched = Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<(typeof FIELDS)[number], number>;
    const stillDifferent: string[] = [];
    const withMeta = pages.filter((p) => p.wantMeta !== null);
    for (const { name, wantMeta, article } of withMeta) {
      const got: Metadata = {
        title: article?.title,
        byline: article?.byline,
        excerpt: article?.excerpt,
        siteName: article?.siteName,
        publishedTime: article?.publishedAt?.toISOString(),
        lang: article?.language,
        readerable: article?.readerable,
      };
      const want: Metadata = { ...wantMeta, publishedTime: wantMeta!.publishedTime ? new Date(wantMeta!.publishedTime).toISOString() : null };
      for (const field of FIELDS) {
        const norm = (v: unknown) => (typeof v === "string" ? v.trim() : (v ?? ""));
        const equal = norm(got[field]) === norm(want[field]);
        if (KNOWN_DIFFERENCES[name]?.fields.includes(field)) {
          if (equal) stillDifferent.push(`${name} ${field} now matches: drop it from KNOWN_DIFFERENCES`);
        } else if (equal) matched[field]++;
        else misses.push(`${name} ${field}: ${JSON.stringify(got[field])} ≠ ${JSON.stringify(want[field])}`);
      }
    }
    console.log(JSON.stringify({ pages: withMeta.length, matched, known: Object.keys(KNOWN_DIFFERENCES) }));
    expect(stillDifferent).toEqual([]);
    expect(misses).toEqual([]);
    // The bar for titles, held separately so it shows in a failure on its own.
    expect(matched.title / withMeta.length).toBeGreaterThanOrEqual(0.9);
  });

  it("reads the metadata pages declare", () => {
    const article = extractArticle(
      `<html lang="fr"><head><title>Un titre</title><link rel="canonical" href="/a/b"><meta property="og:image" content="/img.jpg"><meta property="og:site_name" content="Le Journal"><meta property="article:published_time" content="2026-11-20T08:00:00+01:00"></head><body><article><h1>Un titre</h1>${"<p>Un paragraphe assez long pour être retenu par Readability, avec des mots et encore des mots. </p>".repeat(8)}<p><a href="/suite" onclick="x()">La suite</a></p></article><script>alert(1)</script></body></html>`,
      "https://journal.example/x?utm_source=y",
    );
    expect(article).toMatchObject({ title: "Un titre", siteName: "Le Journal", language: "fr", canonicalUrl: "https://journal.example/a/b", leadImageUrl: "https://journal.example/img.jpg", publishedAt: new Date("2026-11-20T07:00:00Z"), readerable: true });
    expect(article!.html).not.toContain("<script");
    expect(article!.html).not.toContain("onclick");
    expect(article!.html).toContain('href="https://journal.example/suite"');
    expect(article!.text).toContain("Un paragraphe assez long");
  });

  it("falls back to JSON-LD for the published date, and to twitter:image for the lead image", () => {
    const article = extractArticle(
      `<html><head><title>T</title><meta name="twitter:image" content="https://cdn.example/t.png"><script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite"},{"@type":"NewsArticle","datePublished":"2026-11-21T06:30:00Z"}]}</script><script type="application/ld+json">{ broken</script></head><body><article>${"<p>Enough words in this paragraph to count as an article for Readability to accept it here. </p>".repeat(8)}</article></body></html>`,
      "https://news.example/t",
    );
    expect(article).toMatchObject({ publishedAt: new Date("2026-11-21T06:30:00Z"), leadImageUrl: "https://cdn.example/t.png" });
  });

  it("returns null for a page with no article in it", () => {
    expect(extractArticle("<html><body></body></html>", "https://x.example/")).toBeNull();
  });
});
