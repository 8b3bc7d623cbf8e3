import { DurableObject } from "cloudflare:workers";

/** At most this many failed logins per key inside the window; then the key waits. */
export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60 * 1000;

export type ThrottleState = { blocked: boolean; retryAfterSeconds: number };

/**
 * Counts failed logins for one key (`email:…` or `ip:…`) over a sliding 15-minute window. One object
 * per key keeps the count consistent across every isolate and region, which a counter in D1 or KV
 * would not without races. Failures live in SQLite storage; an alarm clears them once they are old,
 * and running that alarm twice is harmless.
 */
export class LoginThrottle extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS failures (at INTEGER NOT NULL)");
  }

  private recent(now: number): number[] {
    return this.sql
      .exec<{ at: number }>("SELECT at FROM failures WHERE at > ? ORDER BY at", now - WINDOW_MS)
      .toArray()
      .map((r) => r.at);
  }

  private state(now: number): ThrottleState {
    const failures = this.recent(now);
    if (failures.length < MAX_FAILURES) return { blocked: false, retryAfterSeconds: 0 };
    // Blocked until enough of the oldest failures leave the window to drop below the limit.
    const freeAt = failures[failures.length - MAX_FAILURES]! + WINDOW_MS;
    return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)) };
  }

  async check(now = Date.now()): Promise<ThrottleState> {
    return this.state(now);
  }

  async recordFailure(now = Date.now()): Promise<ThrottleState> {
    this.sql.exec("INSERT INTO failures (at) VALUES (?)", now);
    await this.ctx.storage.setAlarm(now + WINDOW_MS);
    return this.state(now);
  }

  async clear(): Promise<void> {
    this.sql.exec("DELETE FROM failures");
    await this.ctx.storage.deleteAlarm();
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.sql.exec("DELETE FROM failures WHERE at <= ?", now - WINDOW_MS);
    const next = this.sql.exec<{ at: number }>("SELECT MIN(at) AS at FROM failures").one().at;
    if (next) await this.ctx.storage.setAlarm(next + WINDOW_MS);
  }
}
