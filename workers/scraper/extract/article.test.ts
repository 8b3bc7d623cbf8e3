/**
 * Extraction against Readability's own test pages (../shared/corpora/readability/test-pages), scored
 * as the corpus README says: text as multisets of 4-word shingles (precision and recall per page,
 * averaged, F1 of the averages) and exact title matches.
 */
import { describe, expect, it } from "vitest";
import { parseHTML } from "linkedom";
import { extractArticle } from "./article";

const sources = import.meta.glob("../../../../shared/corpora/readability/test-pages/*/source.html", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const expectedHtml = import.meta.glob("../../../../shared/corpora/readability/test-pages/*/expected.html", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const expectedMeta = import.meta.glob("../../../../shared/corpora/readability/test-pages/*/expected-metadata.json", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

const page = (path: string) => path.split("/").at(-2)!;

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
    expect(Object.keys(sources).length, "expected ../shared/corpora/readability/test-pages/*/source.html").toBeGreaterThan(50);
  });

  it("scores text F1 and title matches", () => {
    let precision = 0;
    let recall = 0;
    let titles = 0;
    let pages = 0;
    const weak: string[] = [];
    for (const [path, html] of Object.entries(sources)) {
      const name = page(path);
      const wantHtml = Object.entries(expectedHtml).find(([p]) => page(p) === name)?.[1];
      const wantMeta = JSON.parse(Object.entries(expectedMeta).find(([p]) => page(p) === name)?.[1] ?? "{}") as { title?: string };
      if (wantHtml === undefined) continue;
      pages++;
      const article = extractArticle(html, `http://fakehost/test/${name}/`);
      const got = shingles(article?.text ?? "");
      const want = shingles(parseHTML(`<html><body>${wantHtml}</body></html>`).document.body?.textContent ?? "");
      const common = overlap(got, want);
      const p = total(got) ? common / total(got) : total(want) ? 0 : 1;
      const r = total(want) ? common / total(want) : 1;
      precision += p;
      recall += r;
      if (p < 0.9 || r < 0.9) weak.push(`${name}: P ${p.toFixed(2)} R ${r.toFixed(2)}`);
      if ((article?.title ?? "").trim() === (wantMeta.title ?? "").trim()) titles++;
    }
    const P = precision / pages;
    const R = recall / pages;
    const f1 = (2 * P * R) / (P + R);
    console.log(JSON.stringify({ pages, precision: +P.toFixed(3), recall: +R.toFixed(3), f1: +f1.toFixed(3), titleExact: +(titles / pages).toFixed(3), weak }));
    expect(pages).toBeGreaterThan(50);
    expect(f1, weak.join("\n")).toBeGreaterThanOrEqual(0.95);
    expect(titles / pages).toBeGreaterThanOrEqual(0.9);
  });

  it("reads the metadata pages declare", () => {
    const article = extractArticle(
      `<html lang="fr"><head><title>Un titre</title><link rel="canonical" href="/a/b"><meta property="og:image" content="/img.jpg"><meta property="article:published_time" content="2026-11-20T08:00:00Z"></head><body><article><h1>Un titre</h1>${"<p>Un paragraphe assez long pour être retenu par Readability, avec des mots et encore des mots. </p>".repeat(8)}</article><script>alert(1)</script></body></html>`,
      "https://journal.example/x?utm_source=y",
    );
    expect(article).toMatchObject({ language: "fr", canonicalUrl: "https://journal.example/a/b", leadImageUrl: "https://journal.example/img.jpg", publishedAt: new Date("2026-11-20T08:00:00Z") });
    expect(article!.html).not.toContain("<script");
    expect(article!.text).toContain("Un paragraphe assez long");
  });
});
