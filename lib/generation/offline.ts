/**
 * The built-in offline generator, used when a workspace has no AI provider: it writes nothing new,
 * it picks. An extractive summary (sentences scored by how many of the sources' frequent words they
 * carry, and how early they come), a headline from the items' titles, and hashtags from the most
 * frequent names and words. Its drafts are labelled "offline draft" everywhere they appear.
 */
import type { Platform } from "../domain/platforms";
import { fitToLimit } from "../domain/platforms";
import { composePost } from "./posts";
import { sentences, STOPWORDS, words } from "./text";

export type SourceText = { title: string; text: string; url: string | null };
export type OfflineInput = { topic: string | null; brief: string | null; sources: SourceText[] };

export const OFFLINE_LABEL = "offline draft";

const STOP = new Set([...Object.values(STOPWORDS).flatMap((s) => [...s]), "said", "says", "also", "just", "like", "new", "one", "two", "year", "years", "it's", "—"]);
const BOILERPLATE = /\b(cookie|subscribe|sign up|newsletter|all rights reserved|click here|advertisement|read more|follow us)\b/i;

type Scored = { text: string; score: number; doc: number; position: number };

const contentWords = (text: string) => words(text).filter((w) => w.length > 2 && !STOP.has(w) && !/^\d+$/.test(w));

function jaccard(a: string, b: string): number {
  const x = new Set(contentWords(a));
  const y = new Set(contentWords(b));
  if (x.size === 0 || y.size === 0) return 0;
  let both = 0;
  for (const w of x) if (y.has(w)) both++;
  return both / (x.size + y.size - both);
}

export class OfflineWriter {
  private readonly frequency = new Map<string, number>();
  private readonly candidates: Scored[];

  constructor(private readonly input: OfflineInput) {
    const docs = input.sources.length ? input.sources : [{ title: input.topic ?? input.brief ?? "", text: input.brief ?? "", url: null }];
    for (const doc of docs) for (const w of contentWords(`${doc.title} ${doc.title} ${doc.text}`)) this.frequency.set(w, (this.frequency.get(w) ?? 0) + 1);
    for (const w of contentWords(input.topic ?? "")) this.frequency.set(w, (this.frequency.get(w) ?? 0) + 5);
    this.candidates = docs.flatMap((doc, d) =>
      sentences(doc.text)
        .filter((s) => {
          const n = words(s).length;
          return n >= 6 && n <= 50 && !BOILERPLATE.test(s) && /[.!?…"”']$/.test(s);
        })
        .map((s, position) => {
          const ws = contentWords(s);
          const weight = ws.reduce((sum, w) => sum + Math.log(1 + (this.frequency.get(w) ?? 0)), 0) / Math.sqrt(Math.max(ws.length, 1));
          return { text: s, score: weight * (1 + 1 / (1 + position)), doc: d, position };
        }),
    );
  }

  /** The `count` best sentences, without near-repeats, in the order the sources tell them. */
  summary(count: number, doc?: number): string[] {
    const chosen: Scored[] = [];
    const pool = this.candidates.filter((c) => doc === undefined || c.doc === doc).sort((a, b) => b.score - a.score);
    for (const c of pool) {
      if (chosen.length >= count) break;
      if (chosen.some((s) => jaccard(s.text, c.text) > 0.5)) continue;
      chosen.push(c);
    }
    return chosen.sort((a, b) => a.doc - b.doc || a.position - b.position).map((c) => c.text);
  }

  headline(): string {
    const titles = this.input.sources.map((s) => s.title.trim()).filter(Boolean);
    if (titles.length) {
      const topic = this.input.topic?.toLowerCase();
      const scored = titles.map((t) => ({ t, score: contentWords(t).reduce((sum, w) => sum + (this.frequency.get(w) ?? 0), 0) / Math.max(1, contentWords(t).length) + (topic && t.toLowerCase().includes(topic) ? 100 : 0) }));
      return scored.sort((a, b) => b.score - a.score)[0]!.t;
    }
    // No titles: the brief's first sentence, the topic, or the best sentence of the sources.
    // Then the first sentence of the text, however short: a page of one word gets that word.
    const first = sentences(this.input.brief ?? "")[0] ?? this.input.topic ?? this.summary(1)[0] ?? sentences(this.input.sources[0]?.text ?? "")[0] ?? "Untitled";
    return first.replace(/[.!?]+$/, "");
  }

  /** Names (capitalised runs in titles) first, then the most frequent words. */
  hashtags(count = 8): string[] {
    const names = new Map<string, number>();
    for (const s of this.input.sources) {
      for (const m of s.title.matchAll(/\b(\p{Lu}[\p{L}\p{N}]+(?:\s+\p{Lu}[\p{L}\p{N}]+){0,2})/gu)) {
        const name = m[1]!;
        if (!STOP.has(name.toLowerCase())) names.set(name, (names.get(name) ?? 0) + 1);
      }
    }
    const ranked = [
      ...(this.input.topic ? [this.input.topic] : []),
      ...[...names].sort((a, b) => b[1] - a[1]).map(([n]) => n),
      ...[...this.frequency].filter(([w]) => w.length > 3).sort((a, b) => b[1] - a[1]).map(([w]) => w),
    ];
    const seen = new Set<string>();
    return ranked.filter((t) => {
      const key = t.toLowerCase().replace(/\s+/g, "");
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }).slice(0, count);
  }

  private link(): string | null {
    return this.input.sources.find((s) => s.url)?.url ?? null;
  }

  post(platform: Platform): string {
    const headline = this.headline();
    const lead = this.summary(3).filter((s) => !s.startsWith(headline)).slice(0, 2);
    const text = [`${headline.replace(/[.!?…:;,]*$/, "")}.`, ...lead, this.link() ?? ""].filter(Boolean).join(" ");
    return composePost(platform, text, this.hashtags()).text;
  }

  thread(platform: Platform): string[] {
    const parts = [this.headline(), ...this.summary(5)];
    const link = this.link();
    if (link) parts.push(`Source: ${link}`);
    return parts.map((p) => fitToLimit(platform, p)).filter(Boolean);
  }

  article(): { title: string; body: string; tags: string[] } {
    const summary = this.summary(8);
    const paragraphs: string[] = [];
    for (let i = 0; i < summary.length; i += 2) paragraphs.push(summary.slice(i, i + 2).join(" "));
    const sources = this.input.sources.filter((s) => s.url).map((s) => `- [${s.title.replace(/[[\]]/g, "")}](${s.url})`);
    const body = [...paragraphs, ...(sources.length ? ["## Sources", sources.join("\n")] : [])].join("\n\n");
    return { title: this.headline(), body: body || (this.input.brief ?? ""), tags: this.hashtags(5).map((t) => t.toLowerCase().slice(0, 40)) };
  }

  newsletter(): { title: string; body: string } {
    const sections = this.input.sources.map((s, i) => [`## ${s.title}`, this.summary(2, i).join(" ") || s.text.slice(0, 280), s.url ? `[Read more](${s.url})` : ""].filter(Boolean).join("\n\n"));
    const intro = this.summary(1)[0] ?? "";
    return { title: `This week: ${this.headline()}`, body: [intro, ...sections].filter(Boolean).join("\n\n") };
  }
}
