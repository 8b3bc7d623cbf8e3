/** The inputs of the content studio, shared by the UI forms and the API. */
import { z } from "zod";
import { CONTENT_KINDS } from "../../../lib/db/schema";

const tag = z.string().trim().min(1).max(40, "each tag must be at most 40 characters");

/** Tags arrive as a list (API) or as one comma-separated field (form). */
export const tags = z
  .union([z.array(tag), z.string().transform((s) => s.split(",").map((t) => t.trim()).filter(Boolean))])
  .pipe(z.array(tag).max(20, "at most 20 tags"))
  .transform((list) => [...new Set(list.map((t) => t.toLowerCase()))]);

export const variantInput = z.object({
  platform: z.string({ error: "is required" }),
  text: z.string({ error: "must be text" }).max(70_000, "must be at most 70,000 characters").default(""),
  title: z.string().max(300).nullish().transform((v) => v || null),
  link: z
    .union([z.literal(""), z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })])
    .nullish()
    .transform((v) => v || null),
  mediaIds: z.array(z.string()).max(10, "at most 10 media per variant").default([]),
  /** The posts after the first, as replies in one chain; only where the platform has threads (variants.ts). */
  thread: z.array(z.string({ error: "must be text" }).max(70_000, "must be at most 70,000 characters")).max(50, "at most 50 posts").default([]),
});
/** Callers inside the app (campaigns, generation) may leave `thread` out: a single post. */
export type VariantInput = Omit<z.infer<typeof variantInput>, "thread"> & { thread?: string[] };

const fields = {
  title: z.string({ error: "is required" }).trim().min(1, "is required").max(300, "must be at most 300 characters"),
  body: z.string({ error: "must be text" }).max(200_000, "must be at most 200,000 characters").default(""),
  tags: tags.default([]),
  campaignId: z.string().nullish().transform((v) => v || null),
  /** The brand voice the text is written in (generation applies it; here it is a label). */
  brandVoice: z.string().trim().max(120, "must be at most 120 characters").nullish().transform((v) => v || null),
  variants: z.array(variantInput).max(9, "at most one variant per platform").default([]),
};

export const newContent = z.object({ kind: z.enum(CONTENT_KINDS, { error: `must be one of ${CONTENT_KINDS.join(", ")}` }), ...fields });
export type NewContent = Omit<z.infer<typeof newContent>, "variants"> & { variants: VariantInput[] };

/** A save names the version it was based on; saving over a newer one is a conflict. */
export const contentSave = z.object({ version: z.coerce.number({ error: "is required" }).int().positive(), ...fields });
export type ContentSave = Omit<z.infer<typeof contentSave>, "variants"> & { variants: VariantInput[] };
