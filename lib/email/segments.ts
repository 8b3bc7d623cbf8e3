/**
 * Segments: rules over tags, custom attributes, engagement, signup date and list membership,
 * matched all or any, compiled to one SQL condition on `subscribers s`. Every audience (a live
 * count, a send) is further limited to subscribed people whose address is not suppressed.
 */
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";

const DAY = 24 * 60 * 60 * 1000;

const condition = z.discriminatedUnion(
  "field",
  [
    z.object({ field: z.literal("tag"), op: z.enum(["has", "not_has"]), value: z.string().trim().min(1, "name a tag").max(64) }),
    z.object({
      field: z.literal("attribute"),
      key: z.string().trim().regex(/^[\w .-]{1,64}$/, "must be an attribute name (letters, digits, space, . _ -)"),
      op: z.enum(["equals", "not_equals", "contains", "exists"]),
      value: z.string().trim().max(200).default(""),
    }),
    z.object({ field: z.literal("engagement"), op: z.enum(["active_within", "inactive_within"]), days: z.coerce.number({ error: "must be a number of days" }).int().min(1).max(3650) }),
    z.object({ field: z.literal("signup"), op: z.enum(["before", "after"]), date: z.iso.date({ error: "must be a date (YYYY-MM-DD)" }) }),
    z.object({ field: z.literal("signup_within"), days: z.coerce.number({ error: "must be a number of days" }).int().min(1).max(3650) }),
    z.object({ field: z.literal("list"), op: z.enum(["in", "not_in"]), listId: z.string().min(1, "choose a list") }),
  ],
  { error: "must be tag, attribute, engagement, signup, signup_within or list" },
);

export const segmentRules = z.object({
  match: z.enum(["all", "any"], { error: "must be all or any" }).default("all"),
  conditions: z.array(condition).min(1, "add at least one condition").max(20, "at most 20 conditions"),
});
export type SegmentRules = z.infer<typeof segmentRules>;
export type SegmentCondition = z.infer<typeof condition>;

const attributePath = (key: string) => `$."${key}"`;

function compile(c: SegmentCondition, now: number): SQL {
  switch (c.field) {
    case "tag": {
      const has = sql`EXISTS (SELECT 1 FROM json_each(s.tags) WHERE json_each.value = ${c.value})`;
      return c.op === "has" ? has : sql`NOT ${has}`;
    }
    case "attribute": {
      const value = sql`json_extract(s.attributes, ${attributePath(c.key)})`;
      if (c.op === "exists") return sql`${value} IS NOT NULL`;
      if (c.op === "equals") return sql`${value} = ${c.value}`;
      if (c.op === "not_equals") return sql`(${value} IS NULL OR ${value} <> ${c.value})`;
      return sql`instr(lower(${value}), lower(${c.value})) > 0`;
    }
    case "engagement": {
      const since = now - c.days * DAY;
      return c.op === "active_within" ? sql`s.last_engaged_at >= ${since}` : sql`(s.last_engaged_at IS NULL OR s.last_engaged_at < ${since})`;
    }
    case "signup": {
      const at = Date.parse(`${c.date}T00:00:00Z`);
      return c.op === "before" ? sql`s.created_at < ${at}` : sql`s.created_at >= ${at}`;
    }
    case "signup_within":
      return sql`s.created_at >= ${now - c.days * DAY}`;
    case "list": {
      const member = sql`EXISTS (SELECT 1 FROM subscriber_lists sl WHERE sl.subscriber_id = s.id AND sl.list_id = ${c.listId})`;
      return c.op === "in" ? member : sql`NOT ${member}`;
    }
  }
}

/** Who a send or a count reaches: subscribed, not suppressed, in the list and the segment if given. */
export function audienceCondition(workspaceId: string, audience: { listId?: string | null; rules?: SegmentRules | null }, now = Date.now()): SQL {
  const parts: SQL[] = [
    sql`s.workspace_id = ${workspaceId}`,
    sql`s.status = 'subscribed'`,
    sql`NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.workspace_id = s.workspace_id AND x.email_hash = s.email_hash)`,
  ];
  if (audience.listId) parts.push(sql`EXISTS (SELECT 1 FROM subscriber_lists sl WHERE sl.subscriber_id = s.id AND sl.list_id = ${audience.listId})`);
  if (audience.rules) {
    const compiled = audience.rules.conditions.map((c) => compile(c, now));
    parts.push(sql`(${sql.join(compiled, audience.rules.match === "all" ? sql` AND ` : sql` OR `)})`);
  }
  return sql.join(parts, sql` AND `);
}
