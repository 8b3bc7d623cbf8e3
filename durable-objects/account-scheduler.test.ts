import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { seal } from "../lib/crypto/sealed";
import { sealProviderKey } from "../lib/email/secrets";
import { createSession } from "../workers/publisher/connectors/bluesky";
import { credentialsSeal, publishPublication } from "../workers/publisher/publish";
import { sweep } from "../workers/publisher/schedule";

// Publications of a Bluesky account going out through its AccountScheduler, against the fake PDS
// (test/fakes/bluesky.ts): real D1, a real Durable Object with its alarm, real HTTP to the fake.
const PDS = "https://pds.bsky.test";
const fake = (path: string, body?: unknown) => fetch(`${PDS}/_fake/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
const records = async () => ((await (await fake("state")).json()) as { records: { value: { text: string } }[] }).records;
const WS = "ws_pub";
const ACCOUNT = "acc_bsky";
const fast = { timeoutMs: 1000, random: () => 0 };

let session: Awaited<ReturnType<typeof createSession>>;

beforeAll(async () => {
  session = await createSession(PDS, "alice.bsky.test", "app-pass-word-1234");
  const credentials = await seal(credentialsSeal(env, ACCOUNT), JSON.stringify({ accessJwt: session.accessJwt, refreshJwt: session.refreshJwt, appPassword: "app-pass-word-1234" }));
  await env.DB.batch([
    env.DB.prepare("INSERT INTO users (id, email, name, password_hash) VALUES ('usr_p', 'p@example.com', 'P', 'x')"),
    env.DB.prepare("INSERT INTO workspaces (id, name) VALUES (?, 'Publishing')").bind(WS),
    env.DB.prepare("INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, ?, 'bluesky', ?, ?, ?, ?)").bind(
      ACCOUNT,
      WS,
      session.did,
      session.handle,
      PDS,
      credentials,
    ),
  ]);
});

beforeEach(async () => {
  await fake("reset", {});
});

let counter = 0;
/** An approved post with a Bluesky variant, and its publication at `at`. */
async function publication(text: string, at: number): Promise<string> {
  const n = ++counter;
  await env.DB.batch([
    env.DB.prepare("INSERT INTO content (id, workspace_id, kind, title, status, author_id, updated_at) VALUES (?, ?, 'post', ?, 'scheduled', 'usr_p', ?)").bind(`cnt_${n}`, WS, `Post ${n}`, Date.now()),
    env.DB.prepare("INSERT INTO content_variants (id, workspace_id, content_id, platform, text) VALUES (?, ?, ?, 'bluesky', ?)").bind(`var_${n}`, WS, `cnt_${n}`, text),
    env.DB.prepare(
      "INSERT INTO publications (id, workspace_id, content_id, variant_id, account_id, scheduled_at, scheduled_zone, idempotency_key, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'Europe/Paris', ?, ?)",
    ).bind(`pub_${n}`, WS, `cnt_${n}`, `var_${n}`, ACCOUNT, at, `idem_${n}_${crypto.randomUUID()}`, Date.now()),
  ]);
  return `pub_${n}`;
}

const row = (id: string) => env.DB.prepare("SELECT status, attempts, external_id, external_url, last_error, waiting_until FROM publications WHERE id = ?").bind(id).first<Record<string, string | number | null>>();
/** Waits for an alarm the object set for a past instant, which workerd runs on its own. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return read();
}
const scheduler = () => env.ACCOUNT_SCHEDULER.get(env.ACCOUNT_SCHEDULER.idFromName(ACCOUNT));

describe("the account's scheduler", () => {
  it("sets its alarm for the due instant and publishes at the alarm, storing the post's id and link", async () => {
    const dueAt = Date.now() + 60_000;
    const id = await publication("Hello from the scheduler", dueAt);
    const stub = scheduler();
    await stub.arm(id, dueAt);
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBe(dueAt);
    // Moved to now: the alarm fires on its own and publishes.
    await env.DB.prepare("UPDATE publications SET scheduled_at = ? WHERE id = ?").bind(Date.now() - 10, id).run();
    await stub.arm(id, Date.now() - 10);
    expect(await eventually(() => row(id), (r) => r?.status === "published")).toMatchObject({
      status: "published",
      attempts: 1,
      external_id: expect.stringMatching(/^at:\/\/did:plc:/),
      external_url: expect.stringMatching(/^https:\/\/bsky\.app\/profile\/alice\.bsky\.test\/post\//),
    });
    expect(await stub.pending()).toEqual([]);
    expect(await records()).toHaveLength(1);
    // The content item follows: published, with the steps on its timeline.
    const contentId = id.replace("pub_", "cnt_");
    expect(await env.DB.prepare("SELECT status FROM content WHERE id = ?").bind(contentId).first("status")).toBe("published");
    const steps = await env.DB.prepare("SELECT kind FROM content_events WHERE content_id = ? ORDER BY id").bind(contentId).all<{ kind: string }>();
    expect(steps.results.map((e) => e.kind)).toEqual(["start_publishing", "mark_published"]);
  });

  it("publishes once when the alarm runs twice at the same time", async () => {
    const id = await publication("Exactly once", Date.now() - 10);
    const stub = scheduler();
    await stub.arm(id, Date.now() - 10);
    await runInDurableObject(stub, (instance) => Promise.all([instance.alarm(), instance.alarm()]));
    await runInDurableObject(stub, (instance) => instance.alarm());
    expect((await records()).filter((r) => r.value.text === "Exactly once")).toHaveLength(1);
    expect(await row(id)).toMatchObject({ status: "published", attempts: 1 });
  });

  it("after an answer lost in a timeout, finds the post instead of posting again: exactly one post", async () => {
    const id = await publication("Accepted, then the answer was dropped", Date.now() - 10);
    await fake("faults", { acceptThenDrop: 1 });
    const first = await publishPublication(env, id, fast);
    expect(first).toMatchObject({ status: "retry" });
    expect(await row(id)).toMatchObject({ status: "unknown", last_error: expect.stringContaining("did not answer") });
    await env.DB.prepare("UPDATE publications SET waiting_until = NULL WHERE id = ?").bind(id).run();
    expect(await publishPublication(env, id, fast)).toEqual({ status: "published" });
    expect(await records()).toHaveLength(1);
    expect(await row(id)).toMatchObject({ status: "published", attempts: 2 });
  });

  it("retries a platform failure with backoff and jitter, then records Bluesky's message when attempts run out", async () => {
    const id = await publication("The PDS is failing", Date.now() - 10);
    await fake("faults", { status5xx: 100 });
    const first = await publishPublication(env, id, { ...fast, random: () => 1 });
    expect(first.status).toBe("retry");
    const delay = (first as { retryAt: number }).retryAt - Date.now();
    expect(delay).toBeGreaterThan(25_000);
    expect(delay).toBeLessThanOrEqual(30_000);
    for (let i = 0; i < 10; i++) await publishPublication(env, id, fast);
    expect(await row(id)).toMatchObject({ status: "failed", attempts: 6, last_error: "Bluesky failed while the post (UpstreamFailure: Upstream Failure)" });
    expect(await records()).toHaveLength(0);
  });

  it("waits for the rate limit without failing or using up an attempt", async () => {
    const id = await publication("Over the budget", Date.now() - 10);
    await fake("faults", { rateLimited: 1 });
    const outcome = await publishPublication(env, id, fast);
    expect(outcome).toMatchObject({ status: "waiting", retryAt: expect.any(Number) });
    expect(await row(id)).toMatchObject({ status: "waiting", attempts: 0, waiting_until: (outcome as { retryAt: number }).retryAt });
    // The account's other posts wait for the same reset without asking Bluesky again.
    const other = await publication("Also waiting", Date.now() - 10);
    expect(await publishPublication(env, other, fast)).toEqual({ status: "waiting", retryAt: (outcome as { retryAt: number }).retryAt });
    expect(await row(other)).toMatchObject({ status: "waiting", last_error: "Bluesky's posting limit for this account is used up" });
    expect(await records()).toHaveLength(0);
    // Lift the block for the tests that follow (the limiter keeps its state for the account).
    await runInDurableObject(env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`bluesky:${ACCOUNT}`)), (_, state) => state.storage.sql.exec("DELETE FROM blocked"));
  });

  it("fails what Bluesky's limits refuse, before sending, with the reason", async () => {
    const id = await publication("x".repeat(400), Date.now() - 10);
    expect(await publishPublication(env, id, fast)).toEqual({ status: "failed" });
    expect(await row(id)).toMatchObject({ status: "failed", last_error: expect.stringContaining("over") });
    expect(await records()).toHaveLength(0);
    // Never silent: the item is failed and its author is told why, in the app.
    const contentId = id.replace("pub_", "cnt_");
    expect(await env.DB.prepare("SELECT status FROM content WHERE id = ?").bind(contentId).first("status")).toBe("failed");
    const notice = await env.DB.prepare("SELECT user_id, kind, text FROM notifications WHERE content_id = ?").bind(contentId).first();
    expect(notice).toMatchObject({ user_id: "usr_p", kind: "publish_failed", text: expect.stringContaining("Publishing failed: ") });
  });

  it("mails a failure to the author through the workspace's email provider, once", async () => {
    const key = `SG.notices-${crypto.randomUUID()}`;
    await env.DB.prepare("INSERT INTO email_settings (workspace_id, provider, api_key_encrypted, from_email, from_name, unsubscribe_mailto, updated_at) VALUES (?, 'sendgrid', ?, 'news@pub.test', 'Publishing', 'unsubscribe@pub.test', ?)")
      .bind(WS, await sealProviderKey(env.TOKEN_KEY, WS, key), Date.now())
      .run();
    const id = await publication("y".repeat(400), Date.now() - 10);
    expect(await publishPublication(env, id, fast)).toEqual({ status: "failed" });
    expect(await publishPublication(env, id, fast)).toEqual({ status: "skipped" });
    const mailbox = (await (await fetch(`https://api.sendgrid.com/__fake/messages?key=${key}`)).json()) as { to: string; subject: string; text: string; html: string }[];
    expect(mailbox).toHaveLength(1);
    expect(mailbox[0]).toMatchObject({ to: "p@example.com", subject: `Publishing failed: Post ${id.replace("pub_", "")}` });
    expect(mailbox[0]!.text).toContain("could not be published to Bluesky (alice.bsky.test)");
    expect(mailbox[0]!.text).toContain("Bluesky (alice.bsky.test) said: ");
    await env.DB.prepare("DELETE FROM email_settings WHERE workspace_id = ?").bind(WS).run();
  });

  it("keeps its claim during a slow platform call, so no second run takes the publication over", async () => {
    const id = await publication("Slow but once", Date.now() - 10);
    await fake("faults", { slowMs: 1_500 });
    const lease = { ...fast, timeoutMs: 5_000, leaseMs: 400 };
    const first = publishPublication(env, id, lease);
    // Well past the (shortened) lease, while the first run still waits for the platform.
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(await publishPublication(env, id, lease)).toEqual({ status: "skipped" });
    expect(await first).toEqual({ status: "published" });
    await fake("faults", { slowMs: 0 });
    expect(await records()).toHaveLength(1);
  });

  it("does not publish a cancelled publication, nor one not yet due", async () => {
    const cancelled = await publication("Cancelled", Date.now() - 10);
    await env.DB.prepare("UPDATE publications SET status = 'cancelled' WHERE id = ?").bind(cancelled).run();
    const later = await publication("Later", Date.now() + 3_600_000);
    expect(await publishPublication(env, cancelled, fast)).toEqual({ status: "skipped" });
    expect(await publishPublication(env, later, fast)).toEqual({ status: "skipped" });
    expect(await records()).toHaveLength(0);
  });

  it("the minute sweep re-arms what is due soon and takes over a run that died mid-call", async () => {
    const soon = await publication("Due in five minutes", Date.now() + 5 * 60_000);
    const stuck = await publication("Stuck in publishing", Date.now() - 10 * 60_000);
    await env.DB.prepare("UPDATE publications SET status = 'publishing', attempts = 1, updated_at = ? WHERE id = ?").bind(Date.now() - 5 * 60_000, stuck).run();
    await sweep(env);
    expect((await scheduler().pending()).map((p) => p.publicationId)).toContain(soon);
    // The stuck one was due: its alarm fired at once; the second attempt looked first, then posted.
    expect(await eventually(() => row(stuck), (r) => r?.status === "published")).toMatchObject({ status: "published", attempts: 2 });
    expect(await row(soon)).toMatchObject({ status: "scheduled" });
    // What is left waits for its own instant.
    const [next] = await scheduler().pending();
    expect(next!.publicationId).toBe(soon);
    expect(await runInDurableObject(scheduler(), (_, state) => state.storage.getAlarm())).toBe(next!.dueAt);
  });

  it("keeps no token or password in plaintext in any D1 row", async () => {
    const tables = (await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' AND name NOT LIKE '_cf_%'").all<{ name: string }>()).results;
    for (const { name } of tables) {
      const dump = JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
      for (const secret of [session.accessJwt, session.refreshJwt, "app-pass-word-1234"]) expect(dump.includes(secret), `${name} holds a secret`).toBe(false);
    }
  });
});
