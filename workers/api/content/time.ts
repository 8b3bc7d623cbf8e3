import { AppError } from "../../../lib/http/errors";

/**
 * The UTC instant of a wall-clock time (`YYYY-MM-DDTHH:mm[:ss]` from a datetime-local input) in an IANA
 * zone. The offset is read for that very instant, so times on either side of a daylight-saving
 * change land right; a wall time that does not exist (skipped by a spring-forward) is refused.
 */
export function localToInstant(local: string, zone: string): Date {
  const m = local.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::([0-5]\d))?$/);
  if (!m) throw new AppError(422, "invalid_request", "scheduledAt: must be a date and time (YYYY-MM-DDTHH:mm[:ss])", { scheduledAt: "must be a date and time" });
  const [, y, mo, d, h, mi, sec = 0] = m.map((part) => (part === undefined ? undefined : Number(part))) as [number, number, number, number, number, number, number | undefined];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, sec);
  // Two passes: the zone's offset at the guess, then at the corrected instant.
  let instant = asUtc - offsetMs(asUtc, zone);
  instant = asUtc - offsetMs(instant, zone);
  if (formatLocal(instant, zone) !== local.slice(0, 16)) {
    throw new AppError(422, "invalid_request", `scheduledAt: ${local} does not exist in ${zone} (the clocks skip it)`, { scheduledAt: "does not exist in this time zone" });
  }
  return new Date(instant);
}

/** How far the zone's wall clock is ahead of UTC at `instant`, in milliseconds. */
export function offsetMs(instant: number, zone: string): number {
  const parts = wallClock(instant, zone);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - Math.floor(instant / 1000) * 1000;
}

export function wallClock(instant: number, zone: string) {
  const fields = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(fields.find((f) => f.type === type)?.value);
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute"), second: get("second") };
}

/** `YYYY-MM-DDTHH:mm` of `instant` on the zone's wall clock. */
export function formatLocal(instant: number, zone: string): string {
  const p = wallClock(instant, zone);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}
