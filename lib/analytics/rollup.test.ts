import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { database } from "../db/client";
import { runBatch } from "../email/batch";
import { DAY_MS, dayOf, filingsOf, rebuildRollups, rollupStatements, type Figures } from "./rollup";

// The rollups against real D1: readings filed one by one (as the metrics pull does) must add up to
// exactly what a rebuild from post_metrics computes, and to the readings themselves.
const WS = "ws_rollup";
const OTHER = "ws_rollup_other";
const db = database(env.DB);
const T0 = Date.UTC(2026, 9, 5, 22, 0);

beforeAll(async () => {
  await env.DB.batch([
    env.DB.prepare("INSERT INTO users (id, email, name, password_hash) VALUES ('usr_r', 'r@example.com', 'R', 'x')"),
    env.DB.prepare("INSERT INTO workspaces (id, name) VALUES (?, 'Rollups'), (?, 'Other')").bind(WS, OTHER),
    env.DB.prepare("INSERT INTO campaigns (id, workspace_id, name) VALUES ('cmp_r', ?, 'Launch')").bind(WS),
    ...[
      ["acc_r_bsky", WS, "bluesky"],
      ["acc_r_masto", WS, "mastodon"],
      ["acc_r_other", OTHER, "bluesky"],
    ].map(([id, ws, platform]) =>
      env.DB.prepare("INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, ?, ?, ?, ?, 'https://x.test', 'x')").bind(id, ws, platform, id, id),
    ),
  ]);
});

async function publication(n: number, ws: string, account: string, kind: string, tags: string[], campaign: string | null, publishedAt: number): Promise<string> {
  await env.DB.batch([
    env.DB.prepare("INSERT INTO content (id, workspace_id, kind, title, status, author_id, tags, campaign_id, updated_at) VALUES (?, ?, ?, ?, 'published', 'usr_r', ?, ?, 0)").bind(`cnt_r${n}`, ws, kind, `Post ${n}`, JSON.stringify(tags), campaign),
    env.DB.prepare("INSERT INTO content_variants (id, workspace_id, content_id, platform, text) VALUES (?, ?, ?, 'bluesky', 'x')").bind(`var_r${n}`, ws, `cnt_r${n}`),
    env.DB.prepare(
      "INSERT INTO publications (id, workspace_id, content_id, variant_id, account_id, scheduled_at, scheduled_zone, idempotency_key, status, published_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'UTC', ?, 'published', ?, 0)",
    ).bind(`pub_r${n}`, ws, `cnt_r${n}`, `var_r${n}`, account, publishedAt, `idem_r${n}`, publishedAt),
  ]);
  return `pub_r${n}`;
}

/** Stores one reading and files it, the way workers/publisher/metrics/pull.ts does. */
async function read(ws: string, publicationId: string, at: number, figures: Figures): Promise<void> {
  const filed = (await filingsOf(db, ws, [publicationId])).get(publicationId)!;
  await runBatch(db, [
    sql`INSERT INTO post_metrics (workspace_id, publication_id, pulled_at, impressions, likes, comments, shares, clicks) VALUES (${ws}, ${publicationId}, ${at}, ${figures.impressions}, ${figures.likes}, ${figures.comments}, ${figures.shares}, ${figures.clicks})`,
    ...rollupStatements(filed.filing, filed.previous, figures, at),
  ]);
}

const snapshot = async (ws: string) => ({
  totals: (await env.DB.prepare("SELECT * FROM publication_totals WHERE workspace_id = ? ORDER BY publication_id").bind(ws).all()).results,
  daily: (await env.DB.prepare("SELECT * FROM metric_daily WHERE workspace_id = ? AND (posts <> 0 OR impressions <> 0 OR likes <> 0 OR comments <> 0 OR shares <> 0 OR clicks <> 0) ORDER BY dimension, day, key").bind(ws).all()).results,
});

describe("analytics rollups", () => {
  it("add up each reading's change per day and dimension, and agree with a rebuild from the raw readings", async () => {
    const a = await publication(1, WS, "acc_r_bsky", "post", ["ai", "launch"], "cmp_r", T0);
    const b = await publication(2, WS, "acc_r_masto", "article", ["ai"], null, T0 + 3 * 3600_000);
    const other = await publication(3, OTHER, "acc_r_other", "post", ["ai"], null, T0);
    // Bluesky gives no impressions or clicks; Mastodon neither, but say this one reports impressions.
    await read(WS, a, T0 + 3600_000, { impressions: null, likes: 4, comments: 1, shares: 0, clicks: null });
    await read(WS, a, T0 + 5 * 3600_000, { impressions: null, likes: 9, comments: 2, shares: 1, clicks: null });
    await read(WS, b, T0 + 4 * 3600_000, { impressions: 100, likes: 2, comments: 0, shares: 0, clicks: 3 });
    // A like taken back: the change is negative, and counted as such.
    await read(WS, a, T0 + 3 * DAY_MS, { impressions: null, likes: 8, comments: 2, shares: 1, clicks: null });
    await read(WS, b, T0 + 3 * DAY_MS, { impressions: 250, likes: 5, comments: 1, shares: 0, clicks: 4 });
    await read(OTHER, other, T0 + 3600_000, { impressions: null, likes: 1000, comments: 0, shares: 0, clicks: null });

    const incremental = await snapshot(WS);
    // Per platform: a went out at 22:00 UTC, read at 23:00 the same day and at 03:00 the next.
    const day = dayOf(T0);
    const rows = (dimension: string, key: string) =>
      incremental.daily.filter((r) => r.dimension === dimension && r.key === key).map((r) => ({ day: r.day, posts: r.posts, likes: r.likes, comments: r.comments, impressions: r.impressions }));
    expect(rows("platform", "bluesky")).toEqual([
      { day, posts: 1, likes: 4, comments: 1, impressions: 0 },
      { day: day + 1, posts: 0, likes: 5, comments: 1, impressions: 0 },
      { day: day + 3, posts: 0, likes: -1, comments: 0, impressions: 0 },
    ]);
    expect(rows("tag", "ai").reduce((n, r) => n + (r.likes as number), 0)).toBe(8 + 5);
    expect(rows("tag", "launch").reduce((n, r) => n + (r.likes as number), 0)).toBe(8);
    expect(rows("campaign", "cmp_r").reduce((n, r) => n + (r.posts as number), 0)).toBe(1);
    expect(rows("kind", "article").reduce((n, r) => n + (r.impressions as number), 0)).toBe(250);
    // The other workspace's readings stay in the other workspace.
    expect(incremental.daily.some((r) => r.likes === 1000)).toBe(false);
    expect(incremental.totals.map((t) => [t.publication_id, t.impressions, t.likes, t.engagements])).toEqual([
      [a, null, 8, 11],
      [b, 250, 5, 10],
    ]);

    await rebuildRollups(db, WS);
    expect(await snapshot(WS)).toEqual(incremental);
    // The rebuild touched only its workspace.
    expect((await env.DB.prepare("SELECT likes FROM publication_totals WHERE workspace_id = ?").bind(OTHER).first())!.likes).toBe(1000);
  });
});
