/**
 * The analytics pages, CSV export, REST figures and best times, over real D1 with rollups built from
 * raw readings: known data gives known charts, tables and files; bad ranges get a 422 naming the field;
 * nothing crosses workspaces.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { rebuildRollups } from "../lib/analytics/rollup";
import { database } from "../lib/db/client";
import { addMember, api, createToken, createWorkspace, signUp, type Browser } from "./support/client";

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY);
const iso = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

let owner: Browser & { email: string };
let ws: string;
let otherWs: string;
let outsider: Browser & { email: string };
let n = 0;

async function userId(email: string) {
  return (await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>())!.id;
}

async function account(workspaceId: string, platform: string, handle: string): Promise<string> {
  const id = `acc_an${++n}`;
  await env.DB.prepare("INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, ?, ?, ?, ?, 'https://x.test', 'x')").bind(id, workspaceId, platform, id, handle).run();
  return id;
}

/** A published post with its readings ([at, figures]); returns the publication id. */
async function post(
  workspaceId: string,
  author: string,
  accountId: string,
  opts: { title: string; kind?: string; tags?: string[]; campaign?: string | null; publishedAt: number; readings: [number, { impressions?: number | null; likes?: number; comments?: number }][] },
): Promise<string> {
  const i = ++n;
  await env.DB.batch([
    env.DB.prepare("INSERT INTO content (id, workspace_id, kind, title, status, author_id, tags, campaign_id, updated_at) VALUES (?, ?, ?, ?, 'published', ?, ?, ?, 0)").bind(
      `cnt_an${i}`,
      workspaceId,
      opts.kind ?? "post",
      opts.title,
      author,
      JSON.stringify(opts.tags ?? []),
      opts.campaign ?? null,
    ),
    env.DB.prepare("INSERT INTO content_variants (id, workspace_id, content_id, platform, text) VALUES (?, ?, ?, 'bluesky', 'x')").bind(`var_an${i}`, workspaceId, `cnt_an${i}`),
    env.DB.prepare(
      "INSERT INTO publications (id, workspace_id, content_id, variant_id, account_id, scheduled_at, scheduled_zone, idempotency_key, status, published_at, external_id, external_url, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'UTC', ?, 'published', ?, ?, ?, 0)",
    ).bind(`pub_an${i}`, workspaceId, `cnt_an${i}`, `var_an${i}`, accountId, opts.publishedAt, `idem_an${i}`, opts.publishedAt, `ext_an${i}`, `https://social.test/p/${i}`),
    ...opts.readings.map(([at, f]) =>
      env.DB.prepare("INSERT INTO post_metrics (workspace_id, publication_id, pulled_at, impressions, likes, comments, shares, clicks) VALUES (?, ?, ?, ?, ?, ?, 0, NULL)").bind(workspaceId, `pub_an${i}`, at, f.impressions ?? null, f.likes ?? 0, f.comments ?? 0),
    ),
  ]);
  return `pub_an${i}`;
}

let bluesky: string;
let mastodon: string;

beforeAll(async () => {
  owner = await signUp("Ana");
  ws = await createWorkspace(owner, "Measured");
  const author = await userId(owner.email);
  await env.DB.prepare("INSERT INTO campaigns (id, workspace_id, name) VALUES ('cmp_an', ?, 'Spring <launch>')").bind(ws).run();
  bluesky = await account(ws, "bluesky", "ana.bsky.test");
  mastodon = await account(ws, "mastodon", "ana@masto.test");
  const now = Date.now();
  // In the last 30 days: two posts with 10 engagements each; 100 days ago: one with 50 (out of range).
  await post(ws, author, bluesky, { title: "Launch thread", tags: ["ai", "launch"], campaign: "cmp_an", publishedAt: now - 2 * DAY, readings: [[now - 2 * DAY + 3600_000, { likes: 5 }], [now - DAY, { likes: 8, comments: 2 }]] });
  await post(ws, author, mastodon, { title: "Long read", kind: "article", tags: ["ai"], publishedAt: now - DAY, readings: [[now - DAY + 3600_000, { impressions: 200, likes: 10 }]] });
  await post(ws, author, bluesky, { title: "Old hit", publishedAt: now - 100 * DAY, readings: [[now - 99 * DAY, { likes: 50 }]] });
  await rebuildRollups(database(env.DB), ws);

  // Another workspace with a post that must never show here.
  outsider = await signUp("Otto");
  otherWs = await createWorkspace(outsider, "Elsewhere");
  const otherAccount = await account(otherWs, "bluesky", "otto.bsky.test");
  await post(otherWs, await userId(outsider.email), otherAccount, { title: "Secret post", publishedAt: now - DAY, readings: [[now - DAY + 3600_000, { likes: 999 }]] });
  await rebuildRollups(database(env.DB), otherWs);
});

/** The `<svg>` whose title element has this id prefix. */
const svgOf = (html: string, id: string) => html.match(new RegExp(`<svg[^>]*aria-labelledby="${id}-title[^"]*"[\\s\\S]*?</svg>`))?.[0] ?? "";

describe("the analytics page", () => {
  it("charts engagement per day by platform, with the numbers in tables, from the rollups only", async () => {
    const response = await owner.get(`/w/${ws}/analytics?range=30`);
    expect(response.status).toBe(200);
    const html = await response.text();
    const chart = svgOf(html, "engagement-over-time");
    expect(chart).not.toBe("");
    // Two platforms, one line each with one point per day of the range.
    const lines = [...chart.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1]!.split(" ").length);
    expect(lines).toEqual([30, 30]);
    expect(chart.match(/<circle/g)).toHaveLength(60);
    // Axis labels: the y-axis from 0 in round steps to the peak (10 on one day).
    expect([...chart.matchAll(/class="chart-tick"[^>]*text-anchor="end"[^>]*>([^<]+)</g)].map((m) => m[1])).toEqual(["0", "2", "4", "6", "8", "10"]);
    // Totals: two posts, 20 engagements; the old hit and the other workspace's post are not counted.
    expect(html).toMatch(/Posts published<\/dt>\s*<dd>2<\/dd>/);
    expect(html).toMatch(/Engagements<\/dt>\s*<dd>20<\/dd>/);
    expect(html).not.toContain("Old hit");
    expect(html).not.toContain("Secret post");
    expect(html).not.toContain("999");
    // Campaign names are user data: escaped.
    expect(html).toContain("Spring &lt;launch&gt;");
    expect(html).not.toContain("Spring <launch>");
    // Top posts, with links to the content.
    expect(html).toContain("Launch thread");
    expect(html).toContain("Long read");
    // The page read a bounded number of rows, reported for tuning and the benchmark.
    expect(Number(response.headers.get("x-d1-rows-read"))).toBeGreaterThan(0);
  });

  it("groups the chart by account on request", async () => {
    const html = await (await owner.get(`/w/${ws}/analytics?range=7&by=account`)).text();
    const chart = svgOf(html, "engagement-over-time");
    expect([...chart.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1]!.split(" ").length)).toEqual([7, 7]);
    expect(html).toContain("ana.bsky.test (bluesky)");
  });

  it("takes a custom range of dates, and refuses a bad one with a message naming the field", async () => {
    // A year: thirteen calendar months of top posts, the old hit among them.
    const year = await owner.get(`/w/${ws}/analytics?range=365`);
    expect(year.status).toBe(200);
    const yearHtml = await year.text();
    expect(yearHtml).toContain("Old hit");
    // Beyond three months the chart goes by week: 53 points a line for 365 days, the same in the CSV.
    const weekly = svgOf(yearHtml, "engagement-over-time");
    expect([...weekly.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1]!.split(" ").length)).toEqual([53, 53]);
    expect(weekly).toContain("Engagements per week by platform");
    const weeks = (await (await owner.get(`/w/${ws}/analytics/export.csv?range=365&section=over-time`)).text()).trim().split("\r\n");
    expect(weeks[0]).toBe("week_from,Bluesky,Mastodon");
    expect(weeks).toHaveLength(54);
    expect(weeks.slice(1).reduce((n, row) => n + Number(row.split(",")[1]), 0)).toBe(8 + 2 + 50);
    const custom = await owner.get(`/w/${ws}/analytics?from=${iso(today - 100)}&to=${iso(today - 99)}`);
    expect(custom.status).toBe(200);
    const html = await custom.text();
    expect(html).toContain("Old hit");
    expect(html).not.toContain("Long read");
    for (const [query, field] of [
      ["range=12", "range"],
      [`from=${iso(today)}`, "from"],
      [`from=${iso(today)}&to=${iso(today - 1)}`, "to"],
      [`from=${iso(today - 400)}&to=${iso(today)}`, "to"],
      ["from=yesterday&to=today", "from"],
      ["by=weekday", "by"],
    ]) {
      const bad = await owner.get(`/w/${ws}/analytics?${query}`);
      expect(bad.status, query).toBe(422);
      expect(await bad.text(), query).toContain(field);
    }
  });

  it("exports each section as CSV with the same figures", async () => {
    const platforms = await owner.get(`/w/${ws}/analytics/export.csv?range=30&section=platforms`);
    expect(platforms.status).toBe(200);
    expect(platforms.headers.get("content-type")).toContain("text/csv");
    expect(platforms.headers.get("content-disposition")).toMatch(/attachment; filename="analytics-platforms-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv"/);
    const rows = (await platforms.text()).trim().split("\r\n");
    expect(rows[0]).toBe("name,posts,engagements,likes,comments,shares,clicks,impressions");
    expect(rows.slice(1).sort()).toEqual(["Bluesky,1,10,8,2,0,0,0", "Mastodon,1,10,10,0,0,0,200"]);
    const overTime = (await (await owner.get(`/w/${ws}/analytics/export.csv?range=7&section=over-time`)).text()).trim().split("\r\n");
    expect(overTime).toHaveLength(8);
    expect(overTime[0]).toBe("day,Bluesky,Mastodon");
    const tags = (await (await owner.get(`/w/${ws}/analytics/export.csv?range=30&section=tags`)).text()).trim().split("\r\n");
    expect(tags.slice(1)).toEqual(["ai,2,20,18,2,0,0,200", "launch,1,10,8,2,0,0,0"]);
    const bad = await owner.get(`/w/${ws}/analytics/export.csv?section=everything`);
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("section");
  });

  it("is readable by every member, and by nobody outside the workspace", async () => {
    const viewer = await signUp("Vic");
    await addMember(owner, ws, viewer, "viewer");
    expect((await viewer.get(`/w/${ws}/analytics`)).status).toBe(200);
    expect((await outsider.get(`/w/${ws}/analytics`)).status).toBe(404);
    expect((await outsider.get(`/w/${ws}/analytics/export.csv?section=top`)).status).toBe(404);
    expect((await outsider.get(`/w/${ws}/analytics/best-times?account=${bluesky}`)).status).toBe(404);
    // Another workspace's account id, asked through one's own workspace, is not found either.
    expect((await outsider.get(`/w/${otherWs}/analytics/best-times?account=${bluesky}`)).status).toBe(404);
  });
});

describe("refreshing figures", () => {
  it("makes the workspace's posts on the pull schedule due now, skipping fresh ones, for writers only", async () => {
    const author = await userId(owner.email);
    const now = Date.now();
    const fresh = await post(ws, author, bluesky, { title: "Fresh", publishedAt: now - 3 * DAY, readings: [] });
    const stale = await post(ws, author, bluesky, { title: "Stale", publishedAt: now - 3 * DAY, readings: [] });
    await env.DB.batch([
      env.DB.prepare("UPDATE publications SET metrics_due_at = ? WHERE id IN (?, ?)").bind(now + DAY, fresh, stale),
      // Read two minutes ago: fresh enough.
      env.DB.prepare(
        "INSERT INTO publication_totals (publication_id, workspace_id, account_id, platform, content_id, kind, published_at, published_month, likes, engagements, pulled_at) SELECT id, workspace_id, account_id, 'bluesky', content_id, 'post', published_at, 0, 1, 1, ? FROM publications WHERE id = ?",
      ).bind(now - 120_000, fresh),
    ]);
    const viewer = await signUp("Vera");
    await addMember(owner, ws, viewer, "viewer");
    expect((await viewer.post(`/w/${ws}/analytics/refresh`)).status).toBe(403);
    expect((await outsider.post(`/w/${ws}/analytics/refresh`)).status).toBe(404);
    const response = await owner.post(`/w/${ws}/analytics/refresh`);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/w/${ws}/analytics?refreshed=1`);
    const due = async (id: string) => (await env.DB.prepare("SELECT metrics_due_at AS at FROM publications WHERE id = ?").bind(id).first<{ at: number }>())!.at;
    expect(await due(stale)).toBeLessThanOrEqual(Date.now());
    expect(await due(fresh)).toBe(now + DAY);
    expect(await (await owner.get(`/w/${ws}/analytics?refreshed=1`)).text()).toContain("Pulling fresh figures for 1 post:");
    // Without the CSRF token: refused.
    expect((await owner.post(`/w/${ws}/analytics/refresh`, {}, { csrf: false })).status).toBe(403);
  });
});

describe("the analytics API", () => {
  it("returns the same figures as JSON to a read token, scoped to its workspace", async () => {
    const token = await createToken(owner, ws, "read");
    const response = await api(token, "GET", `/workspaces/${ws}/analytics?range=30`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { days: string[]; totals: { posts: number; likes: number }; top: { title: string; impressions: number | null }[]; series: { values: number[] }[] };
    expect(body.days).toHaveLength(30);
    expect(body.totals).toMatchObject({ posts: 2, likes: 18 });
    expect(body.top.map((p) => [p.title, p.impressions]).sort()).toEqual([
      ["Launch thread", null],
      ["Long read", 200],
    ]);
    expect((await api(token, "GET", `/workspaces/${otherWs}/analytics`)).status).toBe(404);
    expect((await api(token, "GET", `/workspaces/${ws}/analytics?range=abc`)).status).toBe(422);
  });
});

describe("best times to post", () => {
  it("shades weekday × hour from the account's own history and suggests slots with their sample size", async () => {
    const ny = await signUp("Nia");
    const nyWs = await createWorkspace(ny, "Timed");
    await ny.post(`/w/${nyWs}/settings`, { name: "Timed", timezone: "America/New_York", allowSelfApproval: "on" });
    const author = await userId(ny.email);
    const acc = await account(nyWs, "mastodon", "nia@masto.test");
    // 24 posts over twelve summer weeks: Tuesdays 09:00 New York time do three times better than
    // Thursdays 15:00 (UTC−4 all along; the DST change is the unit tests' business).
    const tuesday9 = Date.parse("2026-06-16T13:00:00Z"); // Tue 09:00 EDT
    const thursday15 = Date.parse("2026-06-18T19:00:00Z"); // Thu 15:00 EDT
    for (let week = 0; week < 12; week++) {
      await post(nyWs, author, acc, { title: `T${week}`, publishedAt: tuesday9 + week * 7 * DAY, readings: [[tuesday9 + week * 7 * DAY + DAY, { impressions: 100, likes: 9 }]] });
      await post(nyWs, author, acc, { title: `H${week}`, publishedAt: thursday15 + week * 7 * DAY, readings: [[thursday15 + week * 7 * DAY + DAY, { impressions: 100, likes: 3 }]] });
    }
    await rebuildRollups(database(env.DB), nyWs);
    const response = await ny.get(`/w/${nyWs}/analytics/best-times?account=${acc}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    const heatmap = svgOf(html, "best-times");
    expect(heatmap.match(/<rect[^>]*class="heat-cell/g) ?? heatmap.match(/<title>(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d:00/g)).toHaveLength(168);
    expect(html).toContain("America/New_York");
    // The best slot first, with its rate and sample size, and a button to make it a posting slot.
    const suggestions = html.slice(html.indexOf('id="suggestions"'));
    expect(suggestions).toMatch(/<strong>Tue 09:00<\/strong> — 9\.0% from 12 posts/);
    expect(suggestions.indexOf("Tue 09:00")).toBeLessThan(suggestions.indexOf("Thu 15:00"));
    expect(suggestions).toContain('name="weekday" value="2"');
    expect(suggestions).toContain('name="time" value="09:00"');

    // The API gives the same answer.
    const token = await createToken(ny, nyWs, "read");
    const body = (await (await api(token, "GET", `/workspaces/${nyWs}/accounts/${acc}/best-times`)).json()) as { suggestions: { label: string; posts: number }[]; grid: unknown[][] };
    expect(body.suggestions[0]).toMatchObject({ label: "Tue 09:00", posts: 12 });
    expect(body.grid).toHaveLength(7);
  });

  it("suggests nothing from too few posts, and says so", async () => {
    const html = await (await owner.get(`/w/${ws}/analytics/best-times?account=${bluesky}`)).text();
    const suggestions = html.slice(html.indexOf('id="suggestions"'));
    expect(suggestions).not.toContain("Add as posting slot");
    expect(suggestions).toMatch(/\d published posts, and suggestions need at least 20/);
  });
});
