import { describe, expect, it } from "vitest";
import { bestTimes, formatMeasure, type PublishedPost } from "../analytics/best-times";
import { BarChart, Heatmap, LineChart, niceTicks } from "./index";
import { labelledIndices, truncate } from "./scale";

/** Render a chart to its HTML, as the page would. */
async function html(element: unknown): Promise<string> {
  return String(await (element as { toString(): string | Promise<string> }).toString());
}
const all = (text: string, re: RegExp) => [...text.matchAll(new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`))];
/** The inner text of every <text> under the first element whose class attribute starts with `cls`. */
function textsIn(out: string, cls: string): string[] {
  const start = out.indexOf(`<g class="${cls}`);
  expect(start).toBeGreaterThanOrEqual(0);
  let depth = 0;
  let end = start;
  for (const m of all(out.slice(start), /<g[\s>]|<\/g>/)) {
    depth += m[0] === "</g>" ? -1 : 1;
    if (depth === 0) {
      end = start + m.index! + 4;
      break;
    }
  }
  return all(out.slice(start, end), /<text[^>]*>([^<]*)<\/text>/).map((m) => m[1]!);
}
const days = (first: number, count: number) => Array.from({ length: count }, (_, i) => new Date(Date.UTC(2026, 10, first + i)).toISOString().slice(0, 10));

describe("niceTicks", () => {
  it("steps from 0 in round numbers to just above the maximum", () => {
    expect(niceTicks(93)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(100)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(0.034)).toEqual([0, 0.01, 0.02, 0.03, 0.04]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it("counts never step by fractions", () => {
    expect(niceTicks(1, 4, true)).toEqual([0, 1]);
    expect(niceTicks(3, 4, true)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(9, 4, true)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(1, 4, false)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it("thins labels to fit and cuts long text on whole characters", () => {
    expect(labelledIndices(7, 10)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(labelledIndices(30, 10)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    expect(truncate("short", 10)).toBe("short");
    expect(truncate("a rather long campaign name", 10)).toBe("a rather …");
    expect(truncate("🚀🚀🚀🚀", 3)).toBe("🚀🚀…");
  });
});

describe("LineChart", () => {
  const week = days(1, 7);
  const series = [
    { name: "LinkedIn", values: [10, 20, 93, 40, 0, 5, 60] },
    { name: "Mastodon", values: [1, 2, 3, 4, 5, 6, 7] },
  ];

  it("draws one point per day per series, on a y-axis from 0 in round steps, with date labels and a legend", async () => {
    const out = await html(<LineChart id="engagement" title="Engagements per day" days={week} series={series} />);
    const polylines = all(out, /<polyline[^>]*points="([^"]*)"/);
    expect(polylines).toHaveLength(2);
    for (const [, points] of polylines) expect(points!.split(" ")).toHaveLength(7);
    expect(all(out, /<circle /)).toHaveLength(14);
    expect(textsIn(out, "chart-axis chart-axis-y")).toEqual(["0", "25", "50", "75", "100"]);
    expect(textsIn(out, "chart-axis chart-axis-x")).toEqual(["1 Nov", "2 Nov", "3 Nov", "4 Nov", "5 Nov", "6 Nov", "7 Nov"]);
    expect(out).toContain("<title>LinkedIn — 3 Nov 2026: 93</title>");
    expect(out).toContain("<title>Mastodon — 7 Nov 2026: 7</title>");
    expect(all(out, /<li class="(chart-s\d)"><span class="chart-swatch" aria-hidden="true"><\/span>([^<]*)<\/li>/).map((m) => [m[1], m[2]])).toEqual([
      ["chart-s1", "LinkedIn"],
      ["chart-s2", "Mastodon"],
    ]);
    // Each series' line and dots share its colour class.
    expect(out).toMatch(/<g class="chart-series chart-s2"><polyline/);
  });

  it("the peak is at the top of the axis and 0 on the baseline", async () => {
    const out = await html(<LineChart id="e" title="t" days={["2026-11-01", "2026-11-02"]} series={[{ name: "X", values: [0, 100] }]} height={240} />);
    const [first, second] = all(out, /<circle class="chart-dot" cx="([\d.]+)" cy="([\d.]+)"/).map((m) => Number(m[2]));
    expect(first).toBe(240 - 26); // the bottom margin
    expect(second).toBe(10); // the top margin
  });

  it("is one image named by its title and description", async () => {
    const out = await html(<LineChart id="by platform!" title="Engagements per day" days={week} series={series} />);
    expect(out).toMatch(/^<figure class="chart chart-line"><svg class="chart-svg chart-line-svg" viewBox="0 0 640 240" width="100%" role="img" aria-labelledby="by-platform--title by-platform--desc"/);
    expect(out).toContain('<title id="by-platform--title">Engagements per day</title>');
    expect(out).toContain('<desc id="by-platform--desc">2 series (LinkedIn, Mastodon) per day, 1 Nov 2026 to 7 Nov 2026. Highest: LinkedIn, 93 on 3 Nov 2026.</desc>');
  });

  it("thins the date labels of a long range but keeps every day's point", async () => {
    const quarter = Array.from({ length: 90 }, (_, i) => new Date(Date.UTC(2026, 7, 1 + i)).toISOString().slice(0, 10));
    const out = await html(<LineChart id="q" title="t" days={quarter} series={[{ name: "X", values: quarter.map((_, i) => i) }]} />);
    expect(all(out, /<circle /)).toHaveLength(90);
    const labels = textsIn(out, "chart-axis chart-axis-x");
    expect(labels.length).toBeGreaterThan(4);
    expect(labels.length).toBeLessThanOrEqual(11);
    expect(labels[0]).toBe("1 Aug");
    expect(textsIn(out, "chart-axis chart-axis-y")).toEqual(["0", "25", "50", "75", "100"]);
  });

  it("formats rates on the axis and in tooltips", async () => {
    const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
    const out = await html(<LineChart id="r" title="t" days={week.slice(0, 2)} series={[{ name: "X", values: [0.012, 0.034] }]} formatValue={pct} />);
    expect(textsIn(out, "chart-axis chart-axis-y")).toEqual(["0.0%", "1.0%", "2.0%", "3.0%", "4.0%"]);
    expect(out).toContain("<title>X — 2 Nov 2026: 3.4%</title>");
  });

  it("escapes names: a series called <script> is text", async () => {
    const out = await html(<LineChart id="x" title={`"><script>alert(1)</script>`} days={week} series={[{ name: "<script>alert(1)</script>", values: series[0]!.values }]} />);
    expect(out).not.toContain("<script>");
    expect(out).toContain("&lt;script&gt;alert(1)&lt;/script&gt;</li>");
    expect(out).toContain("<title>&lt;script&gt;alert(1)&lt;/script&gt; — 1 Nov 2026: 10</title>");
  });

  it("says there is no data instead of drawing an empty frame", async () => {
    for (const props of [{ days: [], series }, { days: week, series: [] }]) {
      const out = await html(<LineChart id="e" title="Engagements" {...props} />);
      expect(out).toBe('<figure class="chart chart-empty" aria-label="Engagements"><p>No data for this range</p></figure>');
    }
  });

  it("refuses a series that does not cover the range (a caller bug)", async () => {
    await expect(html(<LineChart id="e" title="t" days={week} series={[{ name: "X", values: [1, 2] }]} />)).rejects.toThrow(/X has 2 values for 7 days/);
  });
});

describe("BarChart", () => {
  const bars = [
    { label: "Spring launch", value: 120 },
    { label: "A campaign with a very long name indeed, longer than fits", value: 60 },
    { label: "<img src=x onerror=alert(1)>", value: 0 },
  ];

  it("draws a bar per category in proportion, with its figure, and cuts long labels keeping the full text in a tooltip", async () => {
    const out = await html(<BarChart id="campaigns" title="Engagements by campaign" bars={bars} />);
    const widths = all(out, /<rect class="chart-bar"[^>]* width="([\d.]+)"/).map((m) => Number(m[1]));
    expect(widths).toHaveLength(3);
    expect(widths[1]).toBeCloseTo(widths[0]! / 2, 0);
    expect(widths[2]).toBe(0);
    expect(all(out, /<text class="chart-value"[^>]*>([^<]*)</).map((m) => m[1])).toEqual(["120", "60", "0"]);
    expect(all(out, /<text class="chart-label"[^>]*>([^<]*)</).map((m) => m[1])).toEqual(["Spring launch", "A campaign with a very …", "&lt;img src=x onerror=aler…"]);
    expect(out).toContain("<title>A campaign with a very long name indeed, longer than fits: 60</title>");
    expect(out).not.toContain("<img");
    expect(out).toMatch(/role="img" aria-labelledby="campaigns-title campaigns-desc"/);
  });

  it("says there is no data when there are no bars", async () => {
    expect(await html(<BarChart id="b" title="By tag" bars={[]} />)).toContain("No data for this range");
  });
});

describe("Heatmap", () => {
  const empty = () => Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => ({ posts: 0, value: null as number | null })));

  it("has 168 cells titled with the slot, figure and sample size; empty ones hatched; hours every 3 and weekdays Monday first", async () => {
    const cells = empty();
    cells[1]![14] = { posts: 12, value: 0.032 };
    cells[4]![9] = { posts: 1, value: 0.064 };
    cells[6]![23] = { posts: 3, value: 0 };
    const out = await html(<Heatmap id="best" title="Engagement rate by hour" cells={cells} formatValue={(v) => formatMeasure("engagement_rate", v)} highlight={[{ weekday: 1, hour: 14 }]} />);
    const rects = all(out, /<rect class="(heat-cell[^"]*)"[^>]*>(?:<title>([^<]*)<\/title>)?<\/rect>/);
    expect(rects).toHaveLength(168);
    expect(rects[0]![2]).toBe("Mon 00:00 — no posts");
    expect(rects[1 * 24 + 14]).toMatchObject({ 1: "heat-cell heat-level heat-3 heat-suggested", 2: "Tue 14:00 — 3.2% (12 posts)" });
    expect(rects[4 * 24 + 9]).toMatchObject({ 1: "heat-cell heat-level heat-5", 2: "Fri 09:00 — 6.4% (1 post)" });
    expect(rects[6 * 24 + 23]).toMatchObject({ 1: "heat-cell heat-level heat-0", 2: "Sun 23:00 — 0.0% (3 posts)" });
    expect(all(out, /<rect class="heat-cell heat-none"[^>]*fill="url\(#best-hatch\)"/)).toHaveLength(165);
    expect(out).toContain('<pattern id="best-hatch"');
    const axis = textsIn(out, "chart-axis");
    expect(axis).toEqual(["00", "03", "06", "09", "12", "15", "18", "21", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
    expect(textsIn(out, "heat-legend")).toEqual(["0", "6.4%", "No posts", "Suggested"]);
    expect(out).toMatch(/role="img" aria-labelledby="best-title best-desc"/);
  });

  it("draws the grid of a best-times result as it is", async () => {
    const history: PublishedPost[] = Array.from({ length: 24 }, (_, i) => ({ publishedAt: Date.UTC(2026, 10, 3 + 7 * (i % 4), 9 + (i % 2)), impressions: 1000, engagements: 10 + i }));
    const result = bestTimes(history, "Europe/London");
    const out = await html(<Heatmap id="h" title="t" cells={result.grid} formatValue={(v) => formatMeasure(result.measure, v)} highlight={result.suggestions} />);
    expect(all(out, /class="heat-cell /)).toHaveLength(168);
    expect(out).toContain("<title>Tue 09:00 — 2.1% (12 posts)</title>");
    expect(out).toContain("<title>Tue 10:00 — 2.2% (12 posts)</title>");
    expect(all(out, /heat-suggested/)).toHaveLength(3); // two cells and the legend swatch
  });

  it("no posts at all: every cell hatched, no suggested swatch", async () => {
    const out = await html(<Heatmap id="h" title="t" cells={empty()} />);
    expect(all(out, /<rect class="heat-cell heat-none"/)).toHaveLength(168);
    expect(out).not.toContain("Suggested");
    expect(out).toContain("<desc id=\"h-desc\">Weekday by hour: no posts yet.</desc>");
  });

  it("refuses a grid that is not 7 × 24", async () => {
    await expect(html(<Heatmap id="h" title="t" cells={empty().slice(1)} />)).rejects.toThrow(/7 rows of 24/);
  });
});
