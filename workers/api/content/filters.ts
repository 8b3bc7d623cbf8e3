import { z } from "zod";
import { CONTENT_KINDS } from "../../../lib/db/schema";
import { STATUSES } from "../../../lib/domain/workflow";

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());
const day = z.iso.date({ error: "must be a date (YYYY-MM-DD)" }).transform((d) => new Date(`${d}T00:00:00Z`));

/** Filters of the content list and search, from a query string (UI) or the API. */
export const listFilters = z.object({
  q: optional(z.string().max(200, "must be at most 200 characters")),
  status: optional(z.enum(STATUSES, { error: `must be one of ${STATUSES.join(", ")}` })),
  kind: optional(z.enum(CONTENT_KINDS, { error: `must be one of ${CONTENT_KINDS.join(", ")}` })),
  tag: optional(z.string().max(40)),
  campaignId: optional(z.string().max(64)),
  authorId: optional(z.string().max(64)),
  from: optional(day),
  /** Inclusive: items updated on this day are included. */
  to: optional(day.transform((d) => new Date(d.getTime() + 86_400_000))),
  cursor: optional(z.string().max(200)),
  limit: optional(z.coerce.number({ error: "must be a number" }).int().min(1, "must be at least 1").max(200, "must be at most 200")),
});
