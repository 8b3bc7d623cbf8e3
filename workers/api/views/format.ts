/** An instant as people read it in tables: `2026-11-23 09:30` (UTC, to the minute). */
export function utcMinute(d: Date): string {
  return d.toISOString().slice(0, 16).replace("T", " ");
}
