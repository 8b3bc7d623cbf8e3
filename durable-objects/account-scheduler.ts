/**
 * One per connected account (named by its id): that account's due publications in SQLite storage and
 * one alarm for the next due instant, so a post goes out at the second asked rather than at the next
 * cron minute. At the alarm, every due publication is published (workers/publisher/publish.ts); one
 * to retry or waiting for the rate limit stays with its new time; the alarm is set for the next.
 *
 * `alarm()` is safe to run twice (alarms are retried, and a sweep may re-arm): publishing claims the
 * publication in D1 first, so a second run finds nothing to claim.
 */
import { DurableObject } from "cloudflare:workers";
import { publishPublication } from "../workers/publisher/publish";

export type DuePublication = { publicationId: string; dueAt: number };

export class AccountScheduler extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS due (publication_id TEXT PRIMARY KEY, due_at INTEGER NOT NULL)");
  }

  /** Schedules (or moves) a publication; safe to repeat. */
  async arm(publicationId: string, dueAt: number): Promise<void> {
    this.ctx.storage.sql.exec("INSERT INTO due (publication_id, due_at) VALUES (?, ?) ON CONFLICT (publication_id) DO UPDATE SET due_at = excluded.due_at", publicationId, dueAt);
    await this.setNextAlarm();
  }

  async disarm(publicationId: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM due WHERE publication_id = ?", publicationId);
    await this.setNextAlarm();
  }

  async pending(): Promise<DuePublication[]> {
    return this.ctx.storage.sql
      .exec<{ publication_id: string; due_at: number }>("SELECT publication_id, due_at FROM due ORDER BY due_at")
      .toArray()
      .map((row) => ({ publicationId: row.publication_id, dueAt: row.due_at }));
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const due = this.ctx.storage.sql.exec<{ publication_id: string }>("SELECT publication_id FROM due WHERE due_at <= ? ORDER BY due_at", now).toArray();
    // An account's posts go out one after another, in order: platforms rate-limit per account anyway,
    // and a thread's parts must keep their order.
    for (const { publication_id: id } of due) {
      const outcome = await publishPublication(this.env, id);
      if (outcome.status === "retry" || outcome.status === "waiting") {
        this.ctx.storage.sql.exec("UPDATE due SET due_at = ? WHERE publication_id = ?", outcome.retryAt, id);
      } else {
        this.ctx.storage.sql.exec("DELETE FROM due WHERE publication_id = ?", id);
      }
    }
    await this.setNextAlarm();
  }

  private async setNextAlarm(): Promise<void> {
    const next = this.ctx.storage.sql.exec<{ at: number | null }>("SELECT MIN(due_at) AS at FROM due").one().at;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}
