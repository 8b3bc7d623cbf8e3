import { slotLabel, WEEKDAYS } from "../analytics/best-times";
import { ChartSvg, chartId } from "./frame";
import { formatNumber, px, textWidth } from "./scale";

export interface HeatCell {
  /** Sample size: posts that fell in this weekday and hour. */
  posts: number;
  /** The measure (engagement rate, engagements per post…); null when there were no posts. */
  value: number | null;
}

export interface HeatmapProps {
  /** Unique in the page: prefixes the element ids (accessible name, hatch pattern). */
  id: string;
  title: string;
  desc?: string;
  /** 7 rows, Monday first, of 24 hours: `bestTimes(...).grid` as it is. */
  cells: readonly (readonly HeatCell[])[];
  /** "3.2%" for a rate: use formatMeasure from lib/analytics/best-times. */
  formatValue?: (value: number) => string;
  /** Slots to outline (the suggestions). */
  highlight?: readonly { weekday: number; hour: number }[];
}

const LEVELS = 5;
const CELL_W = 24;
const CELL_H = 22;
const GAP = 2;
const LEFT = 40;
const TOP = 20;

/**
 * Weekday × hour: each cell shaded by its value on a five-step scale from 0 to the busiest cell's
 * value, hatched when no post fell in it (no data is not the same as a poor slot), with the figure
 * and sample size in its tooltip.
 */
export function Heatmap(props: HeatmapProps) {
  const { cells } = props;
  if (cells.length !== 7 || cells.some((row) => row.length !== 24)) throw new RangeError("A heatmap needs 7 rows of 24 hours");
  const formatValue = props.formatValue ?? formatNumber;
  const id = chartId(props.id);
  const hatch = `${id}-hatch`;
  const max = Math.max(0, ...cells.flat().flatMap((c) => (c.posts > 0 && c.value !== null && Number.isFinite(c.value) ? [c.value] : [])));
  const highlighted = new Set((props.highlight ?? []).map((s) => `${s.weekday}:${s.hour}`));
  const level = (v: number) => (max > 0 ? Math.min(LEVELS, Math.max(0, Math.ceil((v / max) * LEVELS))) : 0);

  const gridBottom = TOP + 7 * CELL_H;
  const width = LEFT + 24 * CELL_W + 4;
  const legendY = gridBottom + 12;
  const height = legendY + 16;
  const cellX = (hour: number) => LEFT + hour * CELL_W;
  const cellY = (weekday: number) => TOP + weekday * CELL_H;

  // The legend, left to right: 0, the five shades, the top value, then "No posts" and "Suggested".
  const maxLabel = formatValue(max);
  const scaleX = LEFT + textWidth("0") + 6;
  const afterScale = scaleX + (LEVELS + 1) * (CELL_W / 2 + 2) + 4;
  const noPostsX = afterScale + textWidth(maxLabel) + 16;
  const suggestedX = noPostsX + CELL_W / 2 + 6 + textWidth("No posts") + 16;

  return (
    <figure class="chart chart-heatmap">
      <ChartSvg id={props.id} title={props.title} desc={props.desc ?? describe(cells, max, formatValue)} width={width} height={height} class="chart-heat-svg">
        <defs>
          <pattern id={hatch} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <line class="heat-hatch" x1="0" y1="0" x2="0" y2="6" />
          </pattern>
        </defs>
        <g class="chart-axis">
          {Array.from({ length: 8 }, (_, i) => i * 3).map((hour) => (
            <text class="chart-tick" x={px(cellX(hour) + (CELL_W - GAP) / 2)} y={TOP - 6} text-anchor="middle">
              {String(hour).padStart(2, "0")}
            </text>
          ))}
          {WEEKDAYS.map((day, weekday) => (
            <text class="chart-tick" x={LEFT - 6} y={px(cellY(weekday) + (CELL_H - GAP) / 2)} text-anchor="end" dominant-baseline="middle">
              {day}
            </text>
          ))}
        </g>
        <g class="heat-cells">
          {cells.map((row, weekday) =>
            row.map((cell, hour) => {
              const empty = cell.posts === 0 || cell.value === null;
              const classes = ["heat-cell", empty ? "heat-none" : `heat-level heat-${level(cell.value!)}`, highlighted.has(`${weekday}:${hour}`) ? "heat-suggested" : ""].filter(Boolean).join(" ");
              const label = empty ? `${slotLabel(weekday, hour)} — no posts` : `${slotLabel(weekday, hour)} — ${formatValue(cell.value!)} (${cell.posts} ${cell.posts === 1 ? "post" : "posts"})`;
              return (
                <rect class={classes} x={cellX(hour)} y={cellY(weekday)} width={CELL_W - GAP} height={CELL_H - GAP} rx="2" fill={empty ? `url(#${hatch})` : undefined}>
                  <title>{label}</title>
                </rect>
              );
            }),
          )}
        </g>
        <g class="heat-legend">
          <text class="chart-tick" x={scaleX - 4} y={legendY + 6} text-anchor="end" dominant-baseline="middle">
            0
          </text>
          {Array.from({ length: LEVELS + 1 }, (_, i) => (
            <rect class={`heat-swatch heat-level heat-${i}`} x={px(scaleX + i * (CELL_W / 2 + 2))} y={legendY} width={CELL_W / 2} height="12" rx="2" />
          ))}
          <text class="chart-tick" x={px(afterScale)} y={legendY + 6} dominant-baseline="middle">
            {maxLabel}
          </text>
          <rect class="heat-swatch heat-none" x={px(noPostsX)} y={legendY} width={CELL_W / 2} height="12" rx="2" fill={`url(#${hatch})`} />
          <text class="chart-tick" x={px(noPostsX + CELL_W / 2 + 4)} y={legendY + 6} dominant-baseline="middle">
            No posts
          </text>
          {highlighted.size > 0 && (
            <>
              <rect class="heat-swatch heat-level heat-0 heat-suggested" x={px(suggestedX)} y={legendY} width={CELL_W / 2} height="12" rx="2" />
              <text class="chart-tick" x={px(suggestedX + CELL_W / 2 + 4)} y={legendY + 6} dominant-baseline="middle">
                Suggested
              </text>
            </>
          )}
        </g>
      </ChartSvg>
    </figure>
  );
}

function describe(cells: readonly (readonly HeatCell[])[], max: number, formatValue: (v: number) => string): string {
  const withPosts = cells.flat().filter((c) => c.posts > 0);
  if (withPosts.length === 0) return "Weekday by hour: no posts yet.";
  const posts = withPosts.reduce((n, c) => n + c.posts, 0);
  return `Weekday by hour, Monday first, hours 0 to 23: ${posts} posts in ${withPosts.length} of 168 hours; the best hour reaches ${formatValue(max)}. Each cell's figure and post count are in its tooltip.`;
}
