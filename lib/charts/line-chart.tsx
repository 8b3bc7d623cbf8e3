import { ChartEmpty, ChartSvg, seriesClass } from "./frame";
import { formatDayLong, formatDayShort, formatNumber, formatTick, labelledIndices, niceTicks, px, textWidth } from "./scale";

export interface LineSeries {
  /** Shown in the legend and tooltips (user data: platform, account or campaign names). */
  name: string;
  /** One value per day, `values[i]` for `days[i]`; non-negative. Days without data should be 0. */
  values: readonly number[];
}

export interface LineChartProps {
  /** Unique in the page: prefixes the element ids the accessible name points at. */
  id: string;
  /** The accessible name ("Engagements per day by platform"). */
  title: string;
  /** A longer description; by default a summary of the range and the peak. */
  desc?: string;
  /** `YYYY-MM-DD` day keys, oldest first, one per x position. */
  days: readonly string[];
  series: readonly LineSeries[];
  /** Tooltip figures ("1,234" by default; pass one for rates, e.g. v => `${(v * 100).toFixed(1)}%`). */
  formatValue?: (value: number) => string;
  /** Y-axis labels; by default `formatValue` when given, else short numbers ("1.2K"). */
  formatAxis?: (value: number) => string;
  /** Whole-number data (counts): the y-axis then never steps by fractions. Defaults to true when every value is whole. */
  integers?: boolean;
  width?: number;
  height?: number;
  emptyMessage?: string;
}

/**
 * Several series over days: a y-axis from 0 in round steps, date labels thinned to fit, one line per
 * series with a dot per day whose tooltip is the figure, and a legend. No data → a sentence instead.
 */
export function LineChart(props: LineChartProps) {
  const { days, series } = props;
  if (days.length === 0 || series.length === 0) return <ChartEmpty title={props.title} message={props.emptyMessage} />;
  for (const s of series) {
    // A caller bug (a series not filled to the range), better caught in its tests than drawn skewed.
    if (s.values.length !== days.length) throw new RangeError(`Series ${s.name} has ${s.values.length} values for ${days.length} days`);
  }
  const formatValue = props.formatValue ?? formatNumber;
  const formatAxis = props.formatAxis ?? props.formatValue ?? formatTick;
  const width = props.width ?? 640;
  const height = props.height ?? 240;

  const values = series.flatMap((s) => s.values);
  const max = Math.max(0, ...values.filter(Number.isFinite));
  const ticks = niceTicks(max, 4, props.integers ?? values.every(Number.isInteger));
  const top = ticks[ticks.length - 1]!;
  const tickLabels = ticks.map(formatAxis);
  const dayLabels = days.map(formatDayShort);

  const margin = { top: 10, right: 20, bottom: 26, left: Math.max(24, Math.ceil(Math.max(...tickLabels.map((t) => textWidth(t)))) + 10) };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  // One day alone sits in the middle rather than on the y-axis.
  const x = (i: number) => px(days.length === 1 ? margin.left + plotW / 2 : margin.left + (i * plotW) / (days.length - 1));
  const y = (v: number) => px(margin.top + plotH - (Math.min(Math.max(Number.isFinite(v) ? v : 0, 0), top) / top) * plotH);
  const shown = labelledIndices(days.length, Math.floor(plotW / (textWidth("30 Sep") + 14)));
  const dotRadius = days.length > 60 ? 1.5 : 3;

  return (
    <figure class="chart chart-line">
      <ChartSvg id={props.id} title={props.title} desc={props.desc ?? describe(props, formatValue)} width={width} height={height} class="chart-line-svg">
        <g class="chart-axis chart-axis-y">
          {ticks.map((t, i) => (
            <g>
              <line class="chart-grid" x1={margin.left} x2={width - margin.right} y1={y(t)} y2={y(t)} />
              <text class="chart-tick" x={margin.left - 6} y={y(t)} text-anchor="end" dominant-baseline="middle">
                {tickLabels[i]}
              </text>
            </g>
          ))}
        </g>
        <g class="chart-axis chart-axis-x">
          <line class="chart-baseline" x1={margin.left} x2={width - margin.right} y1={y(0)} y2={y(0)} />
          {shown.map((i) => (
            <text class="chart-tick" x={x(i)} y={height - 8} text-anchor="middle">
              {dayLabels[i]}
            </text>
          ))}
        </g>
        {series.map((s, si) => (
          <g class={`chart-series ${seriesClass(si)}`}>
            <polyline class="chart-line-path" fill="none" points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(" ")} />
            {s.values.map((v, i) => (
              <circle class="chart-dot" cx={x(i)} cy={y(v)} r={dotRadius}>
                <title>{`${s.name} — ${formatDayLong(days[i]!)}: ${formatValue(v)}`}</title>
              </circle>
            ))}
          </g>
        ))}
      </ChartSvg>
      <Legend names={series.map((s) => s.name)} />
    </figure>
  );
}

/** The series names with their colours, as HTML so long names wrap instead of overflowing the drawing. */
export function Legend(props: { names: readonly string[] }) {
  return (
    <ul class="chart-legend">
      {props.names.map((name, i) => (
        <li class={seriesClass(i)}>
          <span class="chart-swatch" aria-hidden="true"></span>
          {name}
        </li>
      ))}
    </ul>
  );
}

function describe(props: LineChartProps, formatValue: (v: number) => string): string {
  const { days, series } = props;
  const range = days.length === 1 ? formatDayLong(days[0]!) : `${formatDayLong(days[0]!)} to ${formatDayLong(days[days.length - 1]!)}`;
  let peak = { name: series[0]!.name, day: days[0]!, value: Number.NEGATIVE_INFINITY };
  for (const s of series) {
    for (let i = 0; i < days.length; i++) if (s.values[i]! > peak.value) peak = { name: s.name, day: days[i]!, value: s.values[i]! };
  }
  const names = series.map((s) => s.name).join(", ");
  const highest = Number.isFinite(peak.value) ? ` Highest: ${peak.name}, ${formatValue(peak.value)} on ${formatDayLong(peak.day)}.` : "";
  return `${series.length === 1 ? "One series" : `${series.length} series`} (${names}) per day, ${range}.${highest}`;
}
