/** What a generation job may be asked for, shared by the UI form and the API. */
import { z } from "zod";
import { JOB_KINDS } from "../db/schema";
import { PLATFORMS, type Platform } from "../domain/platforms";

/** Platforms where a thread (a chain of replies) is a native format. */
export const THREAD_PLATFORMS: readonly Platform[] = ["x", "bluesky", "threads"];

const flag = z.union([z.boolean(), z.enum(["on", "off", "true", "false", ""]).transform((v) => v === "on" || v === "true")]).default(false);
const list = <T extends z.ZodType>(item: T) => z.union([z.array(item), item.transform((v) => [v])]);

export const jobInput = z
  .object({
    kind: z.enum(JOB_KINDS, { error: `must be one of ${JOB_KINDS.join(", ")}` }),
    topic: z.string().trim().max(200, "must be at most 200 characters").nullish().transform((v) => v || null),
    itemIds: z
      .union([z.array(z.string()), z.string().transform((s) => s.split(/[\s,]+/).filter(Boolean))])
      .pipe(z.array(z.string().regex(/^[\w-]+$/, "must be item ids")).max(50, "at most 50 items"))
      .default([]),
    brief: z.string().trim().max(4000, "must be at most 4,000 characters").nullish().transform((v) => v || null),
    platforms: list(z.enum(PLATFORMS, { error: `must be among ${PLATFORMS.join(", ")}` })).default([]),
    threads: flag,
    image: flag,
    voiceId: z.string().trim().nullish().transform((v) => v || null),
    regenerate: flag,
  })
  .superRefine((input, ctx) => {
    if (!input.topic && input.itemIds.length === 0 && !input.brief) ctx.addIssue({ code: "custom", path: ["brief"], message: "give a topic, source items or a brief" });
    if (input.kind === "posts" && input.platforms.length === 0) ctx.addIssue({ code: "custom", path: ["platforms"], message: "choose at least one platform" });
    if (input.kind === "newsletter" && input.itemIds.length === 0 && !input.topic) ctx.addIssue({ code: "custom", path: ["itemIds"], message: "a newsletter issue is made from source items or a topic" });
  })
  .transform((input) => ({ ...input, platforms: [...new Set(input.platforms)] }));
export type JobInput = z.infer<typeof jobInput>;
