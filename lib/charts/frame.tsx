import type { Child } from "hono/jsx";

/**
 * The `<svg>` every chart draws in: a fixed viewBox (so the drawing keeps its proportions) scaled to
 * the width of its container by CSS, announced as one image whose name and description are the
 * `<title>` and `<desc>` (aria-labelledby, since a bare `<title>` is not read out everywhere). The
 * numbers themselves are in the table the page renders beside the chart.
 */
export function ChartSvg(props: { id: string; title: string; desc: string; width: number; height: number; class: string; children: Child }) {
  const id = chartId(props.id);
  return (
    <svg class={`chart-svg ${props.class}`} viewBox={`0 0 ${props.width} ${props.height}`} width="100%" role="img" aria-labelledby={`${id}-title ${id}-desc`} xmlns="http://www.w3.org/2000/svg">
      <title id={`${id}-title`}>{props.title}</title>
      <desc id={`${id}-desc`}>{props.desc}</desc>
      {props.children}
    </svg>
  );
}

/** What a chart shows when there is nothing to draw: a sentence, not an empty frame. */
export function ChartEmpty(props: { title: string; message?: string }) {
  return (
    <figure class="chart chart-empty" aria-label={props.title}>
      <p>{props.message ?? "No data for this range"}</p>
    </figure>
  );
}

/**
 * An element id prefix from the caller's chart id: ids must be unique in the page (several charts on
 * one page) and safe in url(#…) and aria-labelledby, so anything but letters, digits, - and _ goes.
 */
export function chartId(id: string): string {
  const clean = id.replace(/[^A-Za-z0-9_-]/g, "-");
  return /^[A-Za-z]/.test(clean) ? clean : `chart-${clean}`;
}

/** Series colours: eight CSS classes (chart-s1 … chart-s8), then the same eight dashed. */
export function seriesClass(index: number): string {
  const n = (index % 8) + 1;
  return index >= 8 ? `chart-s${n} chart-alt` : `chart-s${n}`;
}
