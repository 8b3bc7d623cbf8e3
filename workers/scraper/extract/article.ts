/**
 * Article extraction without a browser: Mozilla's Readability on a linkedom document, plus the
 * metadata pages declare (canonical link, og:image, published time, language). The HTML kept is
 * sanitized with the same allowlist as everything else shown in the UI.
 */
import { isProbablyReaderable, Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import { sanitizeHtml } from "../../../lib/html/sanitize";

export type Article = {
  title: string | null;
  byline: string | null;
  excerpt: string | null;
  siteName: string | null;
  publishedAt: Date | null;
  language: string | null;
  leadImageUrl: string | null;
  canonicalUrl: string | null;
  /** Readability's own guess whether the page is an article at all. */
  readerable: boolean;
  text: string;
  html: string;
};

type Doc = ReturnType<typeof parseHTML>["document"];

function meta(document: Doc, ...names: string[]): string | null {
  for (const name of names) {
    const el = document.querySelector(`meta[property="${name}"], meta[name="${name}"]`);
    const value = el?.getAttribute("content")?.trim();
    if (value) return value;
  }
  return null;
}

function jsonLdDate(document: Doc): string | null {
  for (const script of document.querySelectorAll('script[type="application/ld+json"]')) {
    try {
      const data = JSON.parse(script.textContent ?? "") as unknown;
      for (const node of [data].flat(2) as Record<string, unknown>[]) {
        const value = node?.datePublished ?? (node?.["@graph"] as Record<string, unknown>[] | undefined)?.find((g) => g.datePublished)?.datePublished;
        if (typeof value === "string") return value;
      }
    } catch {
      // A broken JSON-LD block says nothing; other sources of the date remain.
    }
  }
  return null;
}

const absolute = (value: string | null, base: string) => {
  if (!value) return null;
  try {
    return new URL(value, base).href;
  } catch {
    return null;
  }
};

const date = (value: string | null) => {
  const parsed = value ? new Date(value) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : null;
};

/** Extracts the article of a page; null when Readability finds no article in it. */
export function extractArticle(html: string, url: string): Article | null {
  // <canvas> holds no text, and linkedom would reach for the native `canvas` package to build one.
  const { document } = parseHTML(html.replace(/<canvas\b[\s\S]*?<\/canvas>/gi, ""));
  const canonical = absolute(document.querySelector('link[rel="canonical"]')?.getAttribute("href") ?? null, url);
  const leadImage = absolute(meta(document, "og:image", "twitter:image"), url);
  const published = meta(document, "article:published_time", "og:published_time", "date", "dc.date") ?? jsonLdDate(document);
  const language = document.documentElement?.getAttribute("lang") ?? meta(document, "og:locale");
  const readerable = isProbablyReaderable(document as unknown as Parameters<typeof isProbablyReaderable>[0]);
  const article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 250 }).parse();
  if (!article) return null;
  return {
    title: article.title?.trim() || null,
    byline: article.byline?.trim() || null,
    excerpt: article.excerpt?.trim() || null,
    siteName: article.siteName?.trim() || null,
    publishedAt: date(article.publishedTime ?? published),
    language: article.lang || language || null,
    leadImageUrl: leadImage,
    canonicalUrl: canonical,
    readerable,
    text: (article.textContent ?? "").replace(/\s+/g, " ").trim(),
    html: sanitizeHtml(article.content ?? "", { baseUrl: url }),
  };
}
