/**
 * One per account and platform (named `<platform>:<account id>`): what the account has spent of its
 * platform's posting windows (workers/publisher/connectors/limits.ts), kept in SQLite, and anything
 * the platform itself said (a 429's reset time). `reserve` grants a post now or names the instant it
 * fits; a post waiting for that instant is not a failure.
 */
import { DurableObject } from "cloudflare:workers";
import type { RateWindow } from "../workers/publisher/connectors/limits";

export type Grant = { granted: true } | { granted: false; retryAt: number };

export class RateLimiter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS spent (at INTEGER NOT NULL, cost INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS spent_at ON spent (at);
      CREATE TABLE IF NOT EXISTS blocked (id INTEGER PRIMARY KEY CHECK (id = 1), until INTEGER NOT NULL, reason TEXT NOT NULL);
    `);
  }

  /** Spends `cost` now if every window has room and the platform has not blocked us; else says when. */
  async reserve(cost: number, windows: RateWindow[], now = Date.now()): Promise<Grant> {
    const sql = this.ctx.storage.sql;
    const longest = Math.max(0, ...windows.map((w) => w.windowMs));
    sql.exec("DELETE FROM spent WHERE at <= ?", now - longest);
    const blocked = sql.exec<{ until: number }>("SELECT until FROM blocked WHERE id = 1").toArray()[0];
    if (blocked && blocked.until > now) return { granted: false, retryAt: blocked.until };
    let retryAt = 0;
    for (const window of windows) {
      const rows = sql.exec<{ at: number; cost: number }>("SELECT at, cost FROM spent WHERE at > ? ORDER BY at", now - window.windowMs).toArray();
      let used = rows.reduce((sum, r) => sum + r.cost, 0);
      if (used + cost <= window.limit) continue;
      // The window has room again once enough of the oldest spending has aged out of it.
      for (const row of rows) {
        used -= row.cost;
        if (used + cost <= window.limit) {
          retryAt = Math.max(retryAt, row.at + window.windowMs + 1);
          break;
        }
      }
    }
    if (retryAt > now) return { granted: false, retryAt };
    sql.exec("INSERT INTO spent (at, cost) VALUES (?, ?)", now, cost);
    return { granted: true };
  }

  /** The platform answered 429 (or said none remain): nothing goes out before `until`. */
  async block(until: number, reason: string): Promise<void> {
    this.ctx.storage.sql.exec("INSERT INTO blocked (id, until, reason) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET until = max(until, excluded.until), reason = excluded.reason", until, reason);
  }
}
