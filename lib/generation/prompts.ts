/** The prompts of each step: the voice and the JSON shape in the system message, the task and sources in the user message. */
import { PLATFORM_NAMES, type Platform } from "../domain/platforms";
import type { ChatMessage, ChatRequest } from "./chain";
import type { SourceText } from "./offline";
import { SHAPES, type Shape } from "./outputs";
import { HASHTAG_CONVENTIONS, lengthRule } from "./posts";
import { voiceInstructions, type Voice } from "./voice";

export type Material = { topic: string | null; brief: string | null; sources: SourceText[] };

const SOURCE_CHARS = 600;

function system(voice: Voice | null, shape: Shape): string {
  return [
    "You write content for a team's social media, blog and newsletter, from the sources given. Stay factual: claim nothing the sources do not say.",
    ...voiceInstructions(voice),
    `Reply with JSON only, shape "${shape}": ${SHAPES[shape]}`,
  ].join("\n");
}

function material(m: Material): string {
  return [
    m.topic && `Topic: ${m.topic}`,
    m.brief && `Brief: ${m.brief.replace(/\n+/g, " ")}`,
    m.sources.length > 0 && `Sources:\n${m.sources.map((s) => `- ${s.title}: ${s.text.replace(/\s+/g, " ").slice(0, SOURCE_CHARS)}${s.url ? ` (${s.url})` : ""}`).join("\n")}`,
  ]
    .filter(Boolean)
    .join("\n");
}

const request = (step: string, messages: ChatMessage[], maxTokens: number): ChatRequest => ({ step, messages, temperature: 0.7, maxTokens, json: true });

export function postPrompt(platform: Platform, voice: Voice | null, m: Material): ChatRequest {
  const name = PLATFORM_NAMES[platform];
  const task = `Task: write one ${name} post, ${lengthRule(platform)}. Hashtags: ${HASHTAG_CONVENTIONS[platform].note}; put them in "hashtags" without the # sign, not in the text.`;
  return request(`post:${platform}`, [{ role: "system", content: system(voice, "post") }, { role: "user", content: `${task}\n${material(m)}` }], 800);
}

export function threadPrompt(platform: Platform, voice: Voice | null, m: Material): ChatRequest {
  const name = PLATFORM_NAMES[platform];
  const task = `Task: write a ${name} thread of 3 to 6 posts, each ${lengthRule(platform)}. The first post must stand on its own. Hashtags: ${HASHTAG_CONVENTIONS[platform].note}; put them in "hashtags".`;
  return request(`thread:${platform}`, [{ role: "system", content: system(voice, "thread") }, { role: "user", content: `${task}\n${material(m)}` }], 1500);
}

export function articlePrompt(voice: Voice | null, m: Material): ChatRequest {
  const task = "Task: write an article of 500 to 900 words in Markdown with a title, short sections with ## headings, and links to the sources. Also describe one illustration for it (imagePrompt) and its alt text.";
  return request("article", [{ role: "system", content: system(voice, "article") }, { role: "user", content: `${task}\n${material(m)}` }], 2500);
}

export function newsletterPrompt(voice: Voice | null, m: Material): ChatRequest {
  const task = "Task: write a newsletter issue: a subject line, a short intro, one section per source (a heading, a two- or three-sentence summary, and its URL), and a one-line outro.";
  return request("newsletter", [{ role: "system", content: system(voice, "newsletter") }, { role: "user", content: `${task}\n${material(m)}` }], 2500);
}

export function imagePrompt(voice: Voice | null, m: Material): ChatRequest {
  const task = "Task: describe one image to go with posts about this (for an image generator: subject, style, no text in the image), and its alt text for people who cannot see it.";
  return request("image prompt", [{ role: "system", content: system(voice, "image") }, { role: "user", content: `${task}\n${material(m)}` }], 400);
}

/** The same conversation plus the model's answer and what to change: for a shortening or a repair. */
export function followUp(original: ChatRequest, answer: string, instruction: string): ChatRequest {
  return { ...original, step: `${original.step} (again)`, messages: [...original.messages, { role: "assistant", content: answer }, { role: "user", content: `${instruction}\nAnswer again with the same JSON shape.` }] };
}

export const tooLong = (platform: Platform, overBy: number) => `Too long: the text is ${overBy} over. Rewrite it ${lengthRule(platform)}; end on a complete sentence.`;
export const fixProblems = (problems: string[]) => `Problems to fix:\n${problems.map((p) => `- ${p}`).join("\n")}`;
