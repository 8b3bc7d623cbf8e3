import { createRoute, z } from "@hono/zod-openapi";
import { bestTimes } from "../../../lib/analytics/best-times";
import { notFound } from "../../../lib/http/errors";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { errors, json, security, workspaceParams, type Api } from "../rest/kit";
import { accountHistory } from "./best-times";
import { analytics, bucketsOf, isoDay, parseRange, stepOf, type OverTimeBy } from "./service";

const totals = { posts: z.number().int(), impressions: z.number().int(), likes: z.number().int(), comments: z.number().int(), shares: z.number().int(), clicks: z.number().int() };
const BreakdownSchema = z.object({ key: z.string(), label: z.string(), ...totals }).openapi("AnalyticsBreakdown");

const AnalyticsSchema = z
  .object({
    from: z.string().openapi({ example: "2026-10-25" }),
    to: z.string().openapi({ example: "2026-11-23" }),
    days: z.array(z.string()).openapi({ description: "The first day of each bucket of `series`" }),
    step: z.number().int().openapi({ description: "Days per bucket: 1 up to 92 days, 7 (weeks) beyond" }),
    by: z.enum(["platform", "account"]),
    series: z.array(z.object({ key: z.string(), label: z.string(), values: z.array(z.number()) })).openapi({ description: "Engagements per bucket (one value per entry of `days`)" }),
    totals: z.object(totals),
    platforms: z.array(BreakdownSchema),
    accounts: z.array(BreakdownSchema),
    kinds: z.array(BreakdownSchema),
    campaigns: z.array(BreakdownSchema),
    tags: z.array(BreakdownSchema),
    top: z.array(z.object({ publicationId: z.string(), contentId: z.string(), title: z.string(), platform: z.string(), handle: z.string(), url: z.string().nullable(), publishedAt: z.string(), engagements: z.number().int(), impressions: z.number().int().nullable(), likes: z.number().int(), comments: z.number().int(), shares: z.number().int(), clicks: z.number().int() })),
    email: z.array(z.object({ day: z.string(), delivered: z.number().int(), opened: z.number().int(), clicked: z.number().int(), unsubscribed: z.number().int(), bounced: z.number().int() })),
  })
  .openapi("Analytics");

export function analyticsApi(api: Api) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/analytics",
      tags: ["Analytics"],
      security,
      summary: "Engagement over time, totals by platform, account, kind, campaign and tag, top posts and email figures for a range of UTC days",
      request: {
        params: workspaceParams,
        query: z.object({
          range: z.string().optional().openapi({ description: "7, 30, 90 or 365 (days up to today); default 30" }),
          from: z.string().optional().openapi({ description: "First day (YYYY-MM-DD), with `to`" }),
          to: z.string().optional().openapi({ description: "Last day (YYYY-MM-DD), with `from`" }),
          by: z.enum(["platform", "account"]).default("platform"),
        }),
      },
      responses: { 200: json(AnalyticsSchema, "The figures"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "analytics.view");
      const query = c.req.valid("query");
      const range = parseRange({ ...(query.range ? { range: query.range } : {}), ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}) });
      const data = await analytics(c.var.db, c.var.access, range, query.by as OverTimeBy);
      return c.json(
        {
          from: isoDay(range.from),
          to: isoDay(range.to),
          days: bucketsOf(range).map(isoDay),
          step: stepOf(range),
          by: data.by,
          series: data.series,
          totals: data.totals,
          platforms: data.platforms,
          accounts: data.accounts,
          kinds: data.kinds,
          campaigns: data.campaigns,
          tags: data.tags,
          top: data.top.map(({ impressionsKnown, ...p }) => ({ ...p, impressions: impressionsKnown ? p.impressions : null, publishedAt: new Date(p.publishedAt).toISOString() })),
          email: data.email.map((d) => ({ ...d, day: isoDay(d.day) })),
        },
        200,
      );
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/accounts/{accountId}/best-times",
      tags: ["Analytics"],
      security,
      summary: "An account's engagement by weekday and hour (workspace time zone) and suggested posting slots",
      request: { params: workspaceParams.extend({ accountId: z.string() }) },
      responses: {
        200: json(
          z.object({
            timeZone: z.string(),
            measure: z.enum(["engagement_rate", "engagements_per_post"]),
            sampledPosts: z.number().int(),
            grid: z.array(z.array(z.object({ weekday: z.number().int(), hour: z.number().int(), posts: z.number().int(), value: z.number().nullable() }))),
            suggestions: z.array(z.object({ weekday: z.number().int(), hour: z.number().int(), label: z.string(), value: z.number(), posts: z.number().int() })),
            reason: z.string().nullable(),
          }),
          "The heatmap (7 rows, Monday first, of 24 hours) and suggestions",
        ),
        ...errors,
      },
    }),
    async (c) => {
      const { workspaceId, accountId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "analytics.view");
      const history = await accountHistory(c.var.db, c.var.access, accountId);
      if (!history.account) throw notFound("Account not found");
      const result = bestTimes(history.posts, c.var.access.workspace.timezone);
      return c.json(
        {
          timeZone: result.timeZone,
          measure: result.measure,
          sampledPosts: result.sampledPosts,
          grid: result.grid.map((row) => row.map((cell) => ({ weekday: cell.weekday, hour: cell.hour, posts: cell.posts, value: cell.value }))),
          suggestions: result.suggestions.map((s) => ({ weekday: s.weekday, hour: s.hour, label: s.label, value: s.value, posts: s.posts })),
          reason: result.reason,
        },
        200,
      );
    },
  );
}
