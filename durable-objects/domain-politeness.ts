import { DurableObject } from "cloudflare:workers";

export const DEFAULT_INTERVAL_MS = 1000;
export const ROBOTS_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Spacing of requests to one domain (one object per domain, named by the host): each caller gets
 * the next free slot and waits until it. The next slot lives in SQLite storage, so it holds across
 * every scraper isolate. A Crawl-delay from robots.txt can widen the interval; the domain's
 * robots.txt itself is cached here for a day.
 */
export class DomainPoliteness extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS slot (id INTEGER PRIMARY KEY CHECK (id = 1), next_at INTEGER NOT NULL)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS robots (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL, fetched_at INTEGER NOT NULL)");
  }

  /** The domain's robots.txt as last fetched, if fetched within `maxAgeMs` (one fetch serves every source). */
  async cachedRobots(maxAgeMs = ROBOTS_TTL_MS, now = Date.now()): Promise<string | null> {
    const row = this.sql.exec<{ body: string; fetched_at: number }>("SELECT body, fetched_at FROM robots WHERE id = 1").toArray()[0];
    return row && now - row.fetched_at < maxAgeMs ? row.body : null;
  }

  async storeRobots(body: string, now = Date.now()): Promise<void> {
    this.sql.exec("INSERT INTO robots (id, body, fetched_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at", body, now);
  }

  /** Reserves the next slot; returns how many milliseconds the caller must wait before its request. */
  async reserve(intervalMs = DEFAULT_INTERVAL_MS, now = Date.now()): Promise<number> {
    const row = this.sql.exec<{ next_at: number }>("SELECT next_at FROM slot WHERE id = 1").toArray()[0];
    const at = Math.max(now, row?.next_at ?? 0);
    this.sql.exec("INSERT INTO slot (id, next_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET next_at = excluded.next_at", at + Math.max(intervalMs, DEFAULT_INTERVAL_MS));
    return at - now;
  }
}
