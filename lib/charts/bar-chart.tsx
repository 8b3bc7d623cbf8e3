import { ChartEmpty, ChartSvg } from "./frame";
import { formatNumber, px, textWidth, truncate } from "./scale";

export interface Bar {
  /** User data (a campaign, tag or content title): cut to fit, in full in the tooltip. */
  label: string;
  /** Non-negative. */
  value: number;
}

export interface BarChartProps {
  /** Unique in the page: prefixes the element ids the accessible name points at. */
  id: string;
  title: string;
  desc?: string;
  /** In the order to draw, top first (sort before passing). */
  bars: readonly Bar[];
  formatValue?: (value: number) => string;
  /** Labels longer than this many characters are cut with an ellipsis. */
  labelChars?: number;
  width?: number;
  emptyMessage?: string;
}

const ROW = 26;
const BAR = 16;
const PAD = 6;

/**
 * Horizontal bars for categories: the label on the left (cut to fit), a bar in proportion to the
 * largest value, and the figure at its end, so no axis is needed to read it.
 */
export function BarChart(props: BarChartProps) {
  const { bars } = props;
  if (bars.length === 0) return <ChartEmpty title={props.title} message={props.emptyMessage} />;
  const formatValue = props.formatValue ?? formatNumber;
  const width = props.width ?? 640;
  const labelChars = props.labelChars ?? 24;
  const labels = bars.map((b) => truncate(b.label, labelChars));
  const figures = bars.map((b) => formatValue(b.value));

  const labelW = Math.ceil(Math.max(...labels.map((l) => textWidth(l)))) + 10;
  const figureW = Math.ceil(Math.max(...figures.map((f) => textWidth(f)))) + 10;
  const barMaxW = Math.max(20, width - labelW - figureW - PAD);
  const max = Math.max(0, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const barW = (v: number) => (max > 0 && v > 0 ? px((Math.min(v, max) / max) * barMaxW) : 0);
  const height = bars.length * ROW + PAD;

  return (
    <figure class="chart chart-bars">
      <ChartSvg id={props.id} title={props.title} desc={props.desc ?? describe(bars, figures)} width={width} height={height} class="chart-bar-svg">
        {bars.map((b, i) => {
          const top = PAD / 2 + i * ROW;
          const mid = px(top + ROW / 2);
          return (
            <g class="chart-bar-row">
              <title>{`${b.label}: ${figures[i]}`}</title>
              <text class="chart-label" x={labelW - 8} y={mid} text-anchor="end" dominant-baseline="middle">
                {labels[i]}
              </text>
              <rect class="chart-bar" x={labelW} y={px(top + (ROW - BAR) / 2)} width={barW(b.value)} height={BAR} rx="2" />
              <text class="chart-value" x={px(labelW + barW(b.value) + 6)} y={mid} dominant-baseline="middle">
                {figures[i]}
              </text>
            </g>
          );
        })}
      </ChartSvg>
    </figure>
  );
}

function describe(bars: readonly Bar[], figures: readonly string[]): string {
  const listed = bars.slice(0, 5).map((b, i) => `${b.label} ${figures[i]}`);
  return `${bars.length} ${bars.length === 1 ? "bar" : "bars"}: ${listed.join("; ")}${bars.length > 5 ? "; …" : ""}.`;
}
