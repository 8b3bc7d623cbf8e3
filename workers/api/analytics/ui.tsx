/**
 * The analytics pages: engagement over time (by platform or account), totals by platform, account,
 * content kind, campaign and tag, the top posts, and email figures, for a date range; each chart is
 * SVG drawn here (lib/charts) with its numbers in a table beside it, and every section downloads as
 * CSV. Best time to post has its own page per account. Plain GET forms: all of it works without
 * JavaScript.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { bestTimes, formatMeasure, measureName, slotLabel } from "../../../lib/analytics/best-times";
import { BarChart, Heatmap, LineChart } from "../../../lib/charts";
import { can } from "../../../lib/domain/roles";
import { PLATFORM_NAMES, type Platform } from "../../../lib/domain/platforms";
import { toCsv } from "../../../lib/email/csv";
import { AppError } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import type { AppEnv } from "../types";
import { CsrfField, Flash } from "../views/layout";
import { EmptyState } from "../views/pages";
import { renderPage } from "../views/render";
import { accountHistory } from "./best-times";
import { analytics, refreshFigures, bucketOf, bucketsOf, stepOf, EMAIL_FIGURES, engagementsOf, isoDay, parseRange, type Analytics, type Breakdown, type OverTimeBy, type Range } from "./service";

export const analyticsPages = new Hono<AppEnv>();

const byQuery = z.object({ by: z.enum(["platform", "account"], { error: "must be platform or account" }).default("platform") });

const platformName = (p: string) => PLATFORM_NAMES[p as Platform] ?? p;
const number = (n: number) => n.toLocaleString("en-US");
const rate = (engagements: number, impressions: number) => (impressions > 0 ? `${((engagements / impressions) * 100).toFixed(1)}%` : "—");

function rangeParams(range: Range, query: Record<string, string>): string {
  const params = new URLSearchParams();
  if (query.from && query.to) {
    params.set("from", isoDay(range.from));
    params.set("to", isoDay(range.to));
  } else params.set("range", String(range.to - range.from + 1));
  return params.toString();
}

async function load(c: Context<AppEnv>) {
  const query = c.req.query();
  const range = parseRange(query);
  const { by } = parseInput(byQuery, query);
  const data = await analytics(c.var.db, c.var.access, range, by as OverTimeBy);
  c.header("X-D1-Rows-Read", String(data.rowsRead));
  return { query, range, data };
}

analyticsPages.get("/analytics", async (c) => {
  const { query, range, data } = await load(c);
  const { workspace } = c.var.access;
  const base = `/w/${workspace.id}/analytics`;
  const params = rangeParams(range, query);
  const csv = (section: string) => `${base}/export.csv?${params}&by=${data.by}&section=${section}`;
  const days = bucketsOf(range).map(isoDay);
  const per = stepOf(range) === 7 ? "week" : "day";
  const engagements = engagementsOf(data.totals);
  return renderPage(
    c,
    { title: "Analytics", area: "analytics", inWorkspace: true },
    <>
      <div class="page-head">
        <h1>Analytics</h1>
        <nav class="actions">
          <a href={`${base}/best-times`}>Best times to post →</a>
        </nav>
      </div>
      <RangeForm action={base} range={range} query={query} by={data.by} />
      {/^\d{1,7}$/.test(query.refreshed ?? "") && (
        <Flash kind="ok">
          {query.refreshed === "0" ? "Every post's figures are already fresh (pulled in the last ten minutes) or past the two-month pull window." : `Pulling fresh figures for ${query.refreshed} post${query.refreshed === "1" ? "" : "s"}: reload in a minute.`}
        </Flash>
      )}
      {can(c.var.access.role, "content.edit") && (
        <form method="post" action={`${base}/refresh`} class="inline">
          <CsrfField token={c.var.csrfToken} />
          <button type="submit" class="secondary">
            Refresh figures now
          </button>
        </form>
      )}
      <p class="hint">
        {range.label} (UTC days). Engagements are likes, comments, shares and clicks, as each platform reports them; figures arrive with the metrics pulls (hourly in a post's first day, then daily, then weekly).
      </p>
      <dl class="stats">
        <div>
          <dt>Posts published</dt>
          <dd>{number(data.totals.posts)}</dd>
        </div>
        <div>
          <dt>Engagements</dt>
          <dd>{number(engagements)}</dd>
        </div>
        <div>
          <dt>Impressions</dt>
          <dd>{number(data.totals.impressions)}</dd>
        </div>
        <div>
          <dt>Engagement rate</dt>
          <dd>{rate(engagements, data.totals.impressions)}</dd>
        </div>
      </dl>

      <section aria-labelledby="over-time">
        <div class="section-head">
          <h2 id="over-time">Engagement over time</h2>
          <nav class="tabs" aria-label="Group the chart by">
            {(["platform", "account"] as const).map((by) => (
              <a href={`${base}?${params}&by=${by}`} aria-current={data.by === by ? "page" : undefined}>
                by {by}
              </a>
            ))}
          </nav>
          <a href={csv("over-time")} download hx-boost="false">
            Download CSV
          </a>
        </div>
        <div class="chart-with-table">
          <LineChart
            id="engagement-over-time"
            title={`Engagements per ${per} by ${data.by}`}
            days={days}
            series={data.series.map((s) => ({ name: data.by === "platform" ? platformName(s.label) : s.label, values: s.values }))}
            emptyMessage="Nothing was pulled in this range yet."
          />
          {data.series.length > 0 && (
            <details>
              <summary>The numbers, {per} by {per}</summary>
              <table>
                <caption>
                  Engagements per {per} by {data.by}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{per === "week" ? "Week from" : "Day"}</th>
                    {data.series.map((s) => (
                      <th scope="col">{data.by === "platform" ? platformName(s.label) : s.label}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {days.map((day, i) => (
                    <tr>
                      <th scope="row">{day}</th>
                      {data.series.map((s) => (
                        <td class="num">{number(s.values[i]!)}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          )}
        </div>
      </section>

      <BreakdownSection id="platforms" title="By platform" rows={data.platforms.map((p) => ({ ...p, label: platformName(p.label) }))} csv={csv("platforms")} />
      <BreakdownSection id="accounts" title="By account" rows={data.accounts} csv={csv("accounts")} />
      <BreakdownSection id="kinds" title="By content kind" rows={data.kinds} csv={csv("kinds")} />
      <BreakdownSection id="campaigns" title="By campaign" rows={data.campaigns} csv={csv("campaigns")} />
      <BreakdownSection id="tags" title="By tag" rows={data.tags} csv={csv("tags")} />

      <section aria-labelledby="top">
        <div class="section-head">
          <h2 id="top">Top posts published in the range</h2>
          <a href={csv("top")} download hx-boost="false">
            Download CSV
          </a>
        </div>
        {data.top.length === 0 ? (
          <p>No published post has figures in this range yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Post</th>
                <th scope="col">Account</th>
                <th scope="col">Published (UTC)</th>
                <th scope="col" class="num">Engagements</th>
                <th scope="col" class="num">Impressions</th>
                <th scope="col" class="num">Rate</th>
              </tr>
            </thead>
            <tbody>
              {data.top.map((p) => (
                <tr>
                  <td>
                    <a href={`/w/${workspace.id}/content/${p.contentId}`}>{p.title}</a>
                    {p.url && (
                      <>
                        {" "}
                        <a href={p.url} rel="noopener noreferrer" target="_blank">
                          (on {platformName(p.platform)})
                        </a>
                      </>
                    )}
                  </td>
                  <td>{p.handle}</td>
                  <td>{new Date(p.publishedAt).toISOString().slice(0, 16).replace("T", " ")}</td>
                  <td class="num">{number(p.engagements)}</td>
                  <td class="num">{p.impressionsKnown ? number(p.impressions) : "—"}</td>
                  <td class="num">{p.impressionsKnown ? rate(p.engagements, p.impressions) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <EmailSection data={data} days={days} per={per} csv={csv("email")} />
    </>,
  );
});

function RangeForm(props: { action: string; range: Range; query: Record<string, string>; by: string }) {
  const custom = Boolean(props.query.from && props.query.to);
  const span = String(props.range.to - props.range.from + 1);
  return (
    <form method="get" action={props.action} class="inline-form range">
      <input type="hidden" name="by" value={props.by} />
      <label>
        Range{" "}
        <select name="range">
          {["7", "30", "90", "365"].map((d) => (
            <option value={d} selected={!custom && span === d}>
              Last {d} days
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Show</button>
      <span class="hint">or</span>
      <label>
        From <input type="date" name="from" value={custom ? isoDay(props.range.from) : ""} />
      </label>
      <label>
        To <input type="date" name="to" value={custom ? isoDay(props.range.to) : ""} />
      </label>
      <button type="submit" class="secondary">
        Show dates
      </button>
    </form>
  );
}

function BreakdownSection(props: { id: string; title: string; rows: Breakdown[]; csv: string }) {
  return (
    <section aria-labelledby={props.id}>
      <div class="section-head">
        <h2 id={props.id}>{props.title}</h2>
        <a href={props.csv} download hx-boost="false">
          Download CSV
        </a>
      </div>
      {props.rows.length === 0 ? (
        <p>Nothing in this range.</p>
      ) : (
        <div class="chart-with-table">
          <BarChart id={`bars-${props.id}`} title={`Engagements ${props.title.toLowerCase()}`} bars={props.rows.map((r) => ({ label: r.label, value: engagementsOf(r) }))} />
          <table>
            <caption>{props.title}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" class="num">Posts</th>
                <th scope="col" class="num">Engagements</th>
                <th scope="col" class="num">Likes</th>
                <th scope="col" class="num">Comments</th>
                <th scope="col" class="num">Shares</th>
                <th scope="col" class="num">Clicks</th>
                <th scope="col" class="num">Impressions</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((r) => (
                <tr>
                  <th scope="row">{r.label}</th>
                  <td class="num">{number(r.posts)}</td>
                  <td class="num">{number(engagementsOf(r))}</td>
                  <td class="num">{number(r.likes)}</td>
                  <td class="num">{number(r.comments)}</td>
                  <td class="num">{number(r.shares)}</td>
                  <td class="num">{number(r.clicks)}</td>
                  <td class="num">{number(r.impressions)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function EmailSection(props: { data: Analytics; days: string[]; per: string; csv: string }) {
  const { email, range } = props.data;
  const series = EMAIL_FIGURES.map((figure) => {
    const values = new Array<number>(props.days.length).fill(0);
    for (const d of email) values[bucketOf(range, d.day)]! += d[figure];
    return { name: figure, values };
  });
  const total = (figure: (typeof EMAIL_FIGURES)[number]) => email.reduce((n, d) => n + d[figure], 0);
  return (
    <section aria-labelledby="email">
      <div class="section-head">
        <h2 id="email">Email</h2>
        <a href={props.csv} download hx-boost="false">
          Download CSV
        </a>
      </div>
      {email.length === 0 ? (
        <p>No newsletter went out, and nobody opened, clicked or left, in this range.</p>
      ) : (
        <div class="chart-with-table">
          <LineChart id="email-over-time" title={`Email deliveries, unique opens and clicks, unsubscribes and bounces per ${props.per}`} days={props.days} series={series} />
          <table>
            <caption>Email in the range</caption>
            <thead>
              <tr>
                {EMAIL_FIGURES.map((f) => (
                  <th scope="col" class="num">
                    {f}
                  </th>
                ))}
                <th scope="col" class="num">
                  open rate
                </th>
                <th scope="col" class="num">
                  click rate
                </th>
              </tr>
            </thead>
            <tbody>
              <tr>
                {EMAIL_FIGURES.map((f) => (
                  <td class="num">{number(total(f))}</td>
                ))}
                <td class="num">{rate(total("opened"), total("delivered"))}</td>
                <td class="num">{rate(total("clicked"), total("delivered"))}</td>
              </tr>
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const sectionQuery = z.object({
  section: z.enum(["over-time", "platforms", "accounts", "kinds", "campaigns", "tags", "top", "email"], {
    error: "must be one of over-time, platforms, accounts, kinds, campaigns, tags, top, email",
  }),
});

/** One section of the page as CSV: the same figures, the same range. */
export function analyticsCsv(data: Analytics, section: z.infer<typeof sectionQuery>["section"]): string {
  const breakdownCsv = (rows: Breakdown[], name: (r: Breakdown) => string) =>
    toCsv(
      ["name", "posts", "engagements", "likes", "comments", "shares", "clicks", "impressions"],
      rows.map((r) => [name(r), r.posts, engagementsOf(r), r.likes, r.comments, r.shares, r.clicks, r.impressions]),
    );
  switch (section) {
    case "over-time":
      return toCsv(
        [stepOf(data.range) === 7 ? "week_from" : "day", ...data.series.map((s) => (data.by === "platform" ? platformName(s.label) : s.label))],
        bucketsOf(data.range).map((day, i) => [isoDay(day), ...data.series.map((s) => s.values[i]!)]),
      );
    case "platforms":
      return breakdownCsv(data.platforms, (r) => platformName(r.label));
    case "accounts":
      return breakdownCsv(data.accounts, (r) => r.label);
    case "kinds":
      return breakdownCsv(data.kinds, (r) => r.label);
    case "campaigns":
      return breakdownCsv(data.campaigns, (r) => r.label);
    case "tags":
      return breakdownCsv(data.tags, (r) => r.label);
    case "top":
      return toCsv(
        ["title", "platform", "account", "published_at", "engagements", "likes", "comments", "shares", "clicks", "impressions", "url"],
        data.top.map((p) => [p.title, p.platform, p.handle, new Date(p.publishedAt).toISOString(), p.engagements, p.likes, p.comments, p.shares, p.clicks, p.impressionsKnown ? p.impressions : null, p.url]),
      );
    case "email":
      return toCsv(["day", ...EMAIL_FIGURES], data.email.map((d) => [isoDay(d.day), ...EMAIL_FIGURES.map((f) => d[f])]));
  }
}

analyticsPages.get("/analytics/export.csv", async (c) => {
  const { section } = parseInput(sectionQuery, c.req.query());
  const { range, data } = await load(c);
  const name = `analytics-${section}-${isoDay(range.from)}-${isoDay(range.to)}.csv`;
  return c.body(analyticsCsv(data, section), 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"`, "cache-control": "no-store" });
});

analyticsPages.post("/analytics/refresh", async (c) => {
  const due = await refreshFigures(c.var.db, c.env.PUBLISH_QUEUE, c.var.access);
  return c.redirect(`/w/${c.var.access.workspace.id}/analytics?refreshed=${due}`, 303);
});

const bestTimesQuery = z.object({ account: z.string().max(100).optional() });

analyticsPages.get("/analytics/best-times", async (c) => {
  const { workspace, role } = c.var.access;
  const { account: chosen } = parseInput(bestTimesQuery, c.req.query());
  const history = await accountHistory(c.var.db, c.var.access, chosen);
  c.header("X-D1-Rows-Read", String(history.rowsRead));
  const base = `/w/${workspace.id}/analytics`;
  if (!history.account) {
    if (chosen) throw new AppError(404, "not_found", "Account not found");
    return renderPage(
      c,
      { title: "Best times to post", area: "analytics", inWorkspace: true },
      <>
        <h1>Best times to post</h1>
        <EmptyState title="No connected accounts">Connect an account and publish through it; its best times appear here once its posts have figures.</EmptyState>
      </>,
    );
  }
  const account = history.account;
  const result = bestTimes(history.posts, workspace.timezone);
  const manage = can(role, "accounts.manage");
  return renderPage(
    c,
    { title: "Best times to post", area: "analytics", inWorkspace: true },
    <>
      <div class="page-head">
        <h1>Best times to post</h1>
        <nav class="actions">
          <a href={base}>← analytics</a>
        </nav>
      </div>
      <form method="get" action={`${base}/best-times`} class="inline-form">
        <label>
          Account{" "}
          <select name="account">
            {history.accounts.map((a) => (
              <option value={a.id} selected={a.id === account.id}>
                {a.handle} ({platformName(a.platform)})
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      <p class="hint">
        From this account's own posts of the last {history.days} days ({number(result.sampledPosts)} with figures{result.skippedPosts ? `, ${number(result.skippedPosts)} left out without impressions` : ""}), by weekday and hour in {workspace.timezone}. Measure: {measureName(result.measure)}.
      </p>
      <Heatmap
        id="best-times"
        title={`${measureName(result.measure)} by weekday and hour, ${account.handle}`}
        cells={result.grid.map((row) => row.map((cell) => ({ posts: cell.posts, value: cell.value })))}
        formatValue={(v) => formatMeasure(result.measure, v)}
        highlight={result.suggestions.map((s) => ({ weekday: s.weekday, hour: s.hour }))}
      />
      <details>
        <summary>The numbers, slot by slot</summary>
        <table>
          <caption>Slots with posts</caption>
          <thead>
            <tr>
              <th scope="col">Slot</th>
              <th scope="col" class="num">Posts</th>
              <th scope="col" class="num">{result.measure === "engagement_rate" ? "Engagement rate" : "Engagements per post"}</th>
            </tr>
          </thead>
          <tbody>
            {result.grid.flat().filter((cell) => cell.posts > 0).map((cell) => (
              <tr>
                <th scope="row">{slotLabel(cell.weekday, cell.hour)}</th>
                <td class="num">{cell.posts}</td>
                <td class="num">{cell.value === null ? "—" : formatMeasure(result.measure, cell.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <section aria-labelledby="suggestions">
        <h2 id="suggestions">Suggested posting slots</h2>
        {result.suggestions.length === 0 ? (
          <p>{result.reason}</p>
        ) : (
          <ol>
            {result.suggestions.map((s) => (
              <li>
                <strong>{s.label}</strong> — {formatMeasure(result.measure, s.value)} from {s.posts} posts
                {s.lift !== null && ` (${s.lift >= 1 ? `${Math.round((s.lift - 1) * 100)}% above` : `${Math.round((1 - s.lift) * 100)}% below`} this account's usual)`}
                {manage && (
                  <form method="post" action={`/w/${workspace.id}/accounts/${account.id}/slots`} class="inline">
                    <CsrfField token={c.var.csrfToken} />
                    <input type="hidden" name="weekday" value={String(s.weekday + 1)} />
                    <input type="hidden" name="time" value={`${String(s.hour).padStart(2, "0")}:00`} />
                    <button type="submit" class="secondary">
                      Add as posting slot
                    </button>
                  </form>
                )}
              </li>
            ))}
          </ol>
        )}
      </section>
    </>,
  );
});
