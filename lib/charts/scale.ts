/** Axis arithmetic and label formatting shared by the charts. Pure, no JSX. */

/**
 * Y-axis ticks from 0 to a round number at or above `max`, in round steps (1, 2, 2.5 or 5 × a power
 * of ten), about `target` steps: max 93 → 0, 25, 50, 75, 100. All-zero (or empty) data still gets an
 * axis, 0 and 1, so a flat line sits on the floor rather than in the middle.
 */
export function niceTicks(max: number, target = 4, integers = false): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const nice = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rough - 1e-12) ?? 10) * magnitude;
  // Counts have no half-posts: with `integers`, steps are whole (and never 2.5).
  const step = integers && !Number.isInteger(nice) ? (nice < 1 ? 1 : 2) : nice;
  const steps = Math.ceil(max / step - 1e-9);
  // Decimal places of the step, so 0.1 × 3 prints as 0.3 and not 0.30000000000000004.
  const places = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toFixed(places)));
}

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const full = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });

/** Axis labels: short ("1.2K"), since they sit in a narrow margin. */
export function formatTick(value: number): string {
  return compact.format(value);
}

/** Tooltips and value labels: the exact figure ("1,234"). */
export function formatNumber(value: number): string {
  return full.format(value);
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Milliseconds of a `YYYY-MM-DD` day key (UTC midnight); throws on anything else, a caller bug. */
export function dayToUtc(day: string): number {
  const m = DAY_RE.exec(day);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || new Date(ms).toISOString().slice(0, 10) !== day) throw new RangeError(`Not a YYYY-MM-DD day: ${day}`);
  return ms;
}

const shortDay = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "short" });
const longDay = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" });

/** "3 Nov": x-axis labels. Day keys are calendar days already, so they are read in UTC. */
export function formatDayShort(day: string): string {
  return shortDay.format(dayToUtc(day));
}

/** "3 Nov 2026": tooltips and descriptions. */
export function formatDayLong(day: string): string {
  return longDay.format(dayToUtc(day));
}

/**
 * Which of `count` x positions get a label so that at most `fit` are shown: every k-th from the first,
 * k as small as fits. One point per day keeps its tooltip either way.
 */
export function labelledIndices(count: number, fit: number): number[] {
  if (count <= 0) return [];
  const every = Math.max(1, Math.ceil(count / Math.max(1, fit)));
  const out: number[] = [];
  for (let i = 0; i < count; i += every) out.push(i);
  return out;
}

/** At most `max` characters (whole code points), with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join("")}…`;
}

/** Coordinates in the viewBox, one decimal: enough for the eye, short in the HTML. */
export function px(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Rough width of a label at the charts' 11px font, to size margins without measuring text. */
export function textWidth(text: string, fontSize = 11): number {
  return Array.from(text).length * fontSize * 0.6;
}
