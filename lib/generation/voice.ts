/**
 * Brand voices in prompts and in the checks on what comes back: banned words, length, language, and
 * likeness to a recent post. A failed check gets one repair request; what still fails is shown.
 */
import { measure, type Platform } from "../domain/platforms";
import { guessLanguage, words } from "./text";

export type Voice = {
  name: string;
  tone: string;
  audience: string;
  dos: string[];
  donts: string[];
  bannedWords: string[];
  examples: string[];
  language: string;
};

const LANGUAGE_NAMES: Record<string, string> = { en: "English", fr: "French", de: "German", es: "Spanish" };
export const languageName = (code: string) => LANGUAGE_NAMES[code] ?? code;

/** The voice as instructions, for the system prompt. */
export function voiceInstructions(voice: Voice | null): string[] {
  if (!voice) return ["Write in plain, clear English."];
  return [
    `Write in the brand voice "${voice.name}".`,
    voice.tone && `Tone: ${voice.tone}`,
    voice.audience && `Audience: ${voice.audience}`,
    voice.dos.length > 0 && `Do: ${voice.dos.join("; ")}`,
    voice.donts.length > 0 && `Don't: ${voice.donts.join("; ")}`,
    voice.bannedWords.length > 0 && `Never use these words: ${voice.bannedWords.join(", ")}`,
    `Write in ${languageName(voice.language)}.`,
    voice.examples.length > 0 && `Posts in this voice:\n${voice.examples.map((e) => `> ${e.replace(/\n/g, " ")}`).join("\n")}`,
  ].filter((line): line is string => typeof line === "string" && line.length > 0);
}

function shingles(text: string): Set<string> {
  const list = words(text);
  const out = new Set<string>();
  for (let i = 0; i + 2 < list.length; i++) out.add(list.slice(i, i + 3).join(" "));
  return out;
}

/** Share of word triples two texts have in common (Jaccard). */
export function likeness(a: string, b: string): number {
  const x = shingles(a);
  const y = shingles(b);
  if (x.size === 0 || y.size === 0) return 0;
  let both = 0;
  for (const s of x) if (y.has(s)) both++;
  return both / (x.size + y.size - both);
}

export const TOO_SIMILAR = 0.5;

export type CheckContext = { voice: Voice | null; platform?: Platform; recent: string[] };

/** Every problem with a text, as a sentence the model (on repair) and people (after) can act on. */
export function checkText(text: string, context: CheckContext): string[] {
  const problems: string[] = [];
  const voice = context.voice;
  if (voice) {
    const lower = text.toLowerCase();
    const used = voice.bannedWords.filter((w) => new RegExp(`(?<![\\p{L}\\p{N}])${w.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}])`, "u").test(lower));
    if (used.length) problems.push(`uses banned words: ${used.join(", ")}`);
    const language = guessLanguage(text);
    if (language && language !== voice.language) problems.push(`is in ${languageName(language)}, not ${languageName(voice.language)}`);
  }
  if (context.platform) {
    const m = measure(context.platform, text);
    if (!m.ok) problems.push(...m.problems);
  }
  const twin = context.recent.find((r) => likeness(text, r) >= TOO_SIMILAR);
  if (twin) problems.push(`is too similar to a recent post (“${twin.slice(0, 80)}${twin.length > 80 ? "…" : ""}”)`);
  return problems;
}
