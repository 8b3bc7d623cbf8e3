import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { seal } from "../../../lib/crypto/sealed";
import { createSession } from "../connectors/bluesky";
import { tidFor } from "../connectors/bluesky/tid";
import { credentialsSeal, publishPublication } from "../publish";
import { pullMetrics } from "./pull";
import { backoffAt, HOUR_MS } from "./schedule";

// The metrics pull against the fake PDS (test/fakes/bluesky.ts): real D1, real HTTP to the fake,
// which reports a post's counters as /_fake/engage set them.
const PDS = "https://pds.bsky.test";
const fake = (path: string, body?: unknown) => fetch(`${PDS}/_fake/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
const WS = "ws_metrics";
const OTHER_WS = "ws_metrics_other";
const ACCOUNT = "acc_metrics";
/** Another workspace's account on the same Bluesky identity (the fake has one). */
const OTHER_ACCOUNT = "acc_metrics_other";

let session: Awaited<ReturnType<typeof createSession>>;

beforeAll(async () => {
  session = await createSession(PDS, "alice.bsky.test", "app-pass-word-1234");
  const sealed = (account: string) => seal(credentialsSeal(env, account), JSON.stringify({ accessJwt: session.accessJwt, refreshJwt: session.refreshJwt, appPassword: "app-pass-word-1234" }));
  const account = (id: string, ws: string, credentials: string) =>
    env.DB.prepare("INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, ?, 'bluesky', ?, ?, ?, ?)").bind(id, ws, session.did, session.handle, PDS, credentials);
  await env.DB.batch([
    env.DB.prepare("INSERT INTO users (id, email, name, password_hash) VALUES ('usr_m', 'm@example.com', 'M', 'x')"),
    env.DB.prepare("INSERT INTO workspaces (id, name) VALUES (?, 'Metrics'), (?, 'Other')").bind(WS, OTHER_WS),
    account(ACCOUNT, WS, await sealed(ACCOUNT)),
    account(OTHER_ACCOUNT, OTHER_WS, await sealed(OTHER_ACCOUNT)),
  ]);
});

beforeEach(async () => {
  await fake("reset", {});
  // Each test starts with nothing due.
  await env.DB.prepare("UPDATE publications SET metrics_due_at = NULL").run();
});

let counter = 0;
/** An approved post with a Bluesky variant in `ws`, and its publication on `account` (scheduled now). */
async function publication(ws: string, account: string, text: string, publicationWs = ws): Promise<string> {
  const n = ++counter;
  await env.DB.batch([
    env.DB.prepare("INSERT INTO content (id, workspace_id, kind, title, status, author_id, updated_at) VALUES (?, ?, 'post', ?, 'scheduled', 'usr_m', ?)").bind(`cnt_m${n}`, ws, `Post ${n}`, Date.now()),
    env.DB.prepare("INSERT INTO content_variants (id, workspace_id, content_id, platform, text) VALUES (?, ?, ?, 'bluesky', ?)").bind(`var_m${n}`, ws, `cnt_m${n}`, text),
    env.DB.prepare(
      "INSERT INTO publications (id, workspace_id, content_id, variant_id, account_id, scheduled_at, scheduled_zone, idempotency_key, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'UTC', ?, ?)",
    ).bind(`pub_m${n}`, publicationWs, `cnt_m${n}`, `var_m${n}`, account, Date.now() - 10, `idem_m${n}_${crypto.randomUUID()}`, Date.now()),
  ]);
  return `pub_m${n}`;
}

/**
 * A post already out: its record written straight to the fake PDS, and its publication `published`
 * at `publishedAt` with its figures due at `dueAt`.
 */
async function published(ws: string, account: string, publishedAt: number, dueAt: number, publicationWs = ws): Promise<string> {
  const id = await publication(ws, account, `Out already ${counter + 1}`, publicationWs);
  const rkey = await tidFor(id, new Date(publishedAt));
  const created = await fetch(`${PDS}/xrpc/com.atproto.repo.createRecord`, {
    method: "POST",
    headers: { authorization: `Bearer ${session.accessJwt}`, "content-type": "application/json" },
    body: JSON.stringify({ repo: session.did, collection: "app.bsky.feed.post", rkey, record: { $type: "app.bsky.feed.post", text: id, createdAt: new Date(publishedAt).toISOString() } }),
  });
  const { uri } = (await created.json()) as { uri: string };
  await env.DB.prepare("UPDATE publications SET status = 'published', external_id = ?, external_url = ?, published_at = ?, metrics_due_at = ? WHERE id = ?")
    .bind(uri, `https://bsky.app/profile/alice.bsky.test/post/${rkey}`, publishedAt, dueAt, id)
    .run();
  return id;
}

const pub = (id: string) =>
  env.DB.prepare("SELECT status, external_id, published_at, metrics_due_at FROM publications WHERE id = ?").bind(id).first<{ status: string; external_id: string; published_at: number; metrics_due_at: number | null }>();
const readings = async (id: string) =>
  (await env.DB.prepare("SELECT workspace_id, pulled_at, impressions, likes, comments, shares, clicks FROM post_metrics WHERE publication_id = ? ORDER BY id").bind(id).all<Record<string, number | string | null>>())
    .results;

describe("the metrics pull", () => {
  it("sets the first pull on publishing, then writes the post's figures from Bluesky and the next due time", async () => {
    const id = await publication(WS, ACCOUNT, "Engage with me");
    expect(await publishPublication(env, id, { timeoutMs: 2000 })).toEqual({ status: "published" });
    const out = (await pub(id))!;
    expect(out.status).toBe("published");
    expect(out.metrics_due_at).toBe(out.published_at + HOUR_MS);
    // Not due yet: nothing is asked.
    expect(await pullMetrics(env, { now: () => out.published_at + HOUR_MS - 1 })).toEqual({ pulled: 0, backedOff: 0, stopped: 0 });
    expect(await readings(id)).toEqual([]);

    const engaged = await fake("engage", { uri: out.external_id, likeCount: 7, repostCount: 2, quoteCount: 1, replyCount: 3 });
    expect(engaged.status).toBe(200);
    const at = out.published_at + HOUR_MS;
    expect(await pullMetrics(env, { now: () => at })).toEqual({ pulled: 1, backedOff: 0, stopped: 0 });
    // Bluesky gives no impressions or clicks: null, not 0. Quotes count as shares.
    expect(await readings(id)).toEqual([{ workspace_id: WS, pulled_at: at, impressions: null, likes: 7, comments: 3, shares: 3, clicks: null }]);
    expect((await pub(id))!.metrics_due_at).toBe(at + HOUR_MS);

    // A day and a half later the figures have moved; the next pull is a day on.
    await fake("engage", { uri: out.external_id, likeCount: 12 });
    await env.DB.prepare("UPDATE publications SET metrics_due_at = ? WHERE id = ?").bind(out.published_at + 36 * HOUR_MS, id).run();
    const later = out.published_at + 36 * HOUR_MS;
    expect(await pullMetrics(env, { now: () => later })).toMatchObject({ pulled: 1 });
    expect((await readings(id)).map((r) => [r.likes, r.pulled_at])).toEqual([
      [7, at],
      [12, later],
    ]);
    expect((await pub(id))!.metrics_due_at).toBe(later + 24 * HOUR_MS);

    // The rollups moved with the readings: the latest totals, and each day what it added.
    const totals = await env.DB.prepare("SELECT workspace_id, platform, kind, impressions, likes, comments, shares, engagements FROM publication_totals WHERE publication_id = ?").bind(id).first();
    expect(totals).toEqual({ workspace_id: WS, platform: "bluesky", kind: "post", impressions: null, likes: 12, comments: 3, shares: 3, engagements: 18 });
    const days = (await env.DB.prepare("SELECT day, posts, likes, comments FROM metric_daily WHERE workspace_id = ? AND dimension = 'account' AND key = ? ORDER BY day").bind(WS, ACCOUNT).all<Record<string, number>>()).results;
    const day = (ms: number) => Math.floor(ms / 86400_000);
    const on = (d: number) =>
      days.filter((r) => r.day === d).reduce<{ posts: number; likes: number; comments: number }>((sum, r) => ({ posts: sum.posts + r.posts!, likes: sum.likes + r.likes!, comments: sum.comments + r.comments! }), { posts: 0, likes: 0, comments: 0 });
    expect(on(day(out.published_at)).posts).toBe(1);
    expect(days.reduce((n, r) => n + r.posts!, 0)).toBe(1);
    // 36 hours later is always another UTC day: it added the 5 new likes.
    expect(on(day(later))).toEqual({ posts: 0, likes: 5, comments: 0 });
    expect(days.reduce((n, r) => n + r.likes!, 0)).toBe(12);
  });

  it("stops pulling a post the platform no longer has", async () => {
    const now = Date.now();
    const id = await published(WS, ACCOUNT, now - 2 * HOUR_MS, now - 60_000);
    // The post is gone from Bluesky (getPosts no longer returns it).
    await fake("reset", {});
    expect(await pullMetrics(env, { now: () => now })).toEqual({ pulled: 0, backedOff: 0, stopped: 1 });
    expect(await readings(id)).toEqual([]);
    expect((await pub(id))!.metrics_due_at).toBeNull();
    // Never asked again.
    expect(await pullMetrics(env, { now: () => now + 30 * 86400_000 })).toEqual({ pulled: 0, backedOff: 0, stopped: 0 });
  });

  it("backs off without writing a row when the platform does not answer, for the account's other due posts too", async () => {
    const now = Date.now();
    const first = await published(WS, ACCOUNT, now - HOUR_MS, now - 2 * 60_000);
    const second = await published(WS, ACCOUNT, now - HOUR_MS, now - 60_000);
    await fake("faults", { slowMs: 400 });
    try {
      expect(await pullMetrics(env, { now: () => now, timeoutMs: 100 })).toEqual({ pulled: 0, backedOff: 2, stopped: 0 });
    } finally {
      await fake("faults", { slowMs: 0 });
    }
    expect(await readings(first)).toEqual([]);
    expect(await readings(second)).toEqual([]);
    // Half the hour since publishing, with no reading yet: 30 minutes on.
    expect((await pub(first))!.metrics_due_at).toBe(backoffAt(now - HOUR_MS, null, now));
    expect((await pub(first))!.metrics_due_at).toBe(now + 30 * 60_000);
    expect((await pub(second))!.metrics_due_at).toBe(now + 30 * 60_000);
    // Not asked again before then; asked, and written, once the platform is back and the time has come.
    expect(await pullMetrics(env, { now: () => now + 29 * 60_000 })).toMatchObject({ pulled: 0 });
    expect(await pullMetrics(env, { now: () => now + 30 * 60_000 })).toMatchObject({ pulled: 2 });
    expect(await readings(first)).toHaveLength(1);
  });

  it("backs off on a refused sign-in without flagging the account anew", async () => {
    const now = Date.now();
    // Tokens the PDS does not know and an app password that was revoked: Bluesky answers 401.
    const broken = "acc_metrics_broken";
    const credentials = await seal(credentialsSeal(env, broken), JSON.stringify({ accessJwt: "x.y.z", refreshJwt: "x.y.z", appPassword: "revoked-pass-word" }));
    await env.DB.batch([
      env.DB.prepare("INSERT INTO workspaces (id, name) VALUES ('ws_metrics_broken', 'Broken')"),
      env.DB.prepare("INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, 'ws_metrics_broken', 'bluesky', ?, ?, ?, ?)").bind(
        broken,
        session.did,
        session.handle,
        PDS,
        credentials,
      ),
    ]);
    const id = await published("ws_metrics_broken", broken, now - HOUR_MS, now - 60_000);
    expect(await pullMetrics(env, { now: () => now })).toEqual({ pulled: 0, backedOff: 1, stopped: 0 });
    expect(await readings(id)).toEqual([]);
    expect((await pub(id))!.metrics_due_at).toBe(now + 30 * 60_000);
    expect(await env.DB.prepare("SELECT status, last_error FROM social_accounts WHERE id = ?").bind(broken).first()).toEqual({ status: "connected", last_error: null });
  });

  it("reads the due posts in pages, oldest due first, at most N per account and per run", async () => {
    const now = Date.now();
    const mine: string[] = [];
    const theirs: string[] = [];
    for (let i = 0; i < 7; i++) mine.push(await published(WS, ACCOUNT, now - 3 * HOUR_MS, now - (20 - i) * 60_000));
    for (let i = 0; i < 3; i++) theirs.push(await published(OTHER_WS, OTHER_ACCOUNT, now - 3 * HOUR_MS, now - (10 - i) * 60_000));
    const notDue = await published(WS, ACCOUNT, now - 3 * HOUR_MS, now + 60_000);

    // Pages of 2: the first account's share (3) fills the first pages, then it is left out and the
    // other account gets its turn although all its posts are due later.
    expect(await pullMetrics(env, { now: () => now, pageSize: 2, perAccount: 3 })).toEqual({ pulled: 6, backedOff: 0, stopped: 0 });
    const pulled = async (ids: string[]) => (await Promise.all(ids.map(async (id) => (await readings(id)).length))).map(Boolean);
    expect(await pulled(mine)).toEqual([true, true, true, false, false, false, false]);
    expect(await pulled(theirs)).toEqual([true, true, true]);
    expect(await readings(notDue)).toEqual([]);
    // Left for later runs, still due as they were.
    expect((await pub(mine[3]!))!.metrics_due_at).toBe(now - 17 * 60_000);
    // Each row belongs to its publication's workspace.
    expect((await readings(theirs[0]!))[0]!.workspace_id).toBe(OTHER_WS);
    expect((await readings(mine[0]!))[0]!.workspace_id).toBe(WS);

    // The run's own bound.
    expect(await pullMetrics(env, { now: () => now, pageSize: 2, perAccount: 3, perRun: 2 })).toMatchObject({ pulled: 2 });
    expect(await pulled(mine)).toEqual([true, true, true, true, true, false, false]);
    expect(await pullMetrics(env, { now: () => now })).toMatchObject({ pulled: 2 });
    expect(await pulled(mine)).toEqual([true, true, true, true, true, true, true]);
    expect(await pullMetrics(env, { now: () => now })).toEqual({ pulled: 0, backedOff: 0, stopped: 0 });
  });

  it("never pulls through an account of another workspace, nor for an account that must be reconnected", async () => {
    const now = Date.now();
    // A publication of this workspace pointing at the other workspace's account (a corrupt row).
    const crossed = await published(OTHER_WS, OTHER_ACCOUNT, now - HOUR_MS, now - 60_000, WS);
    expect(await pullMetrics(env, { now: () => now })).toEqual({ pulled: 0, backedOff: 0, stopped: 0 });
    expect(await readings(crossed)).toEqual([]);
    expect((await pub(crossed))!.metrics_due_at).toBe(now - 60_000);

    const expired = await published(WS, ACCOUNT, now - HOUR_MS, now - 60_000);
    await env.DB.prepare("UPDATE social_accounts SET status = 'expired' WHERE id = ?").bind(ACCOUNT).run();
    try {
      expect(await pullMetrics(env, { now: () => now })).toEqual({ pulled: 0, backedOff: 0, stopped: 0 });
      expect(await readings(expired)).toEqual([]);
    } finally {
      await env.DB.prepare("UPDATE social_accounts SET status = 'connected' WHERE id = ?").bind(ACCOUNT).run();
    }
    // Reconnected: pulled again.
    expect(await pullMetrics(env, { now: () => now })).toMatchObject({ pulled: 1 });
  });

  it("pulls only the asked workspace's posts on a refresh", async () => {
    const now = Date.now();
    const mine = await published(WS, ACCOUNT, now - 2 * HOUR_MS, now - 60_000);
    const theirs = await published(OTHER_WS, OTHER_ACCOUNT, now - 2 * HOUR_MS, now - 60_000);
    expect(await pullMetrics(env, { now: () => now, workspaceId: WS })).toMatchObject({ pulled: 1 });
    expect(await readings(mine)).toHaveLength(1);
    expect(await readings(theirs)).toEqual([]);
    expect((await pub(theirs))!.metrics_due_at).toBe(now - 60_000);
  });
});
