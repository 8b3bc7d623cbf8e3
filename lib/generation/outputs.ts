/** What each step asks the model for, as zod schemas (and the shape names the prompts announce). */
import { z } from "zod";

const hashtags = z.array(z.string().trim().min(1)).max(30).default([]);

export const postOutput = z.object({ text: z.string().trim().min(1, "is empty"), hashtags });
export const threadOutput = z.object({ posts: z.array(z.string().trim().min(1)).min(1, "needs at least one post").max(25), hashtags });
export const articleOutput = z.object({
  title: z.string().trim().min(1, "is empty").max(300),
  body: z.string().trim().min(1, "is empty"),
  tags: z.array(z.string().trim().min(1).max(40)).max(20).default([]),
  imagePrompt: z.string().trim().nullish(),
  altText: z.string().trim().nullish(),
});
export const newsletterOutput = z.object({
  subject: z.string().trim().min(1, "is empty").max(300),
  intro: z.string().trim().default(""),
  sections: z.array(z.object({ heading: z.string().trim().min(1), summary: z.string().trim().min(1), url: z.string().nullish() })).min(1, "needs at least one section"),
  outro: z.string().trim().default(""),
});
export const imageOutput = z.object({ prompt: z.string().trim().min(1, "is empty"), altText: z.string().trim().min(1, "is empty").max(1000) });

export type PostOutput = z.infer<typeof postOutput>;
export type ThreadOutput = z.infer<typeof threadOutput>;

/** The shape each prompt describes, in the words the model reads. */
export const SHAPES = {
  post: '{"text": string, "hashtags": string[]}',
  thread: '{"posts": string[], "hashtags": string[]}',
  article: '{"title": string, "body": string (Markdown), "tags": string[], "imagePrompt": string, "altText": string}',
  newsletter: '{"subject": string, "intro": string, "sections": [{"heading": string, "summary": string, "url": string | null}], "outro": string}',
  image: '{"prompt": string, "altText": string}',
} as const;
export type Shape = keyof typeof SHAPES;
