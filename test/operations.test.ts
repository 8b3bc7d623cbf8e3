import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { firstPullAt, nextPullAt } from "../workers/publisher/metrics/schedule";
import { percentile } from "../workers/api/operations/service";
import { formatCount, formatDuration } from "../workers/api/operations/ui";
import { addMember, api, Browser, createToken, createWorkspace, signUp } from "./support/client";

// The operations page and GET …/operations: figures derived from D1 for one workspace, checked
// against rows seeded with known states and times. The other workspace gets the very same rows, so
// any figure that leaked across workspaces would come out doubled.

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

type Rate = { failed: number; total: number; rate: number | null };
type Figures = {
  asOf: string;
  windowHours: number;
  waiting: Record<string, number | null>;
  failures: { generationJobs: Rate; sourceRuns: Rate; publications: Rate; emailDeliveries: Rate };
  publishLag: { count: number; p50: number | null; p95: number | null; p99: number | null; max: number | null };
  metricsPulls: { scheduled: number; due: number; backingOff: number };
};

let owner: Browser;
let ws: string;
let token: string;
let other: Browser;
let otherWs: string;
let otherToken: string;
let editor: Browser;
let viewer: Browser;
let editorToken: string;
let adminToken: string;

async function ownerOf(workspaceId: string): Promise<string> {
  return (await env.DB.prepare("SELECT user_id FROM memberships WHERE workspace_id = ? AND role = 'owner'").bind(workspaceId).first<{ user_id: string }>())!.user_id;
}

/** The same known set of rows, in any workspace; ids are prefixed with the workspace's. */
async function seed(w: string, now: number): Promise<void> {
  const user = await ownerOf(w);
  const id = (name: string) => `${name}_${w}`;
  const db = env.DB;
  const job = (name: string, status: string, finishedAt: number | null) =>
    db.prepare("INSERT INTO generation_jobs (id, workspace_id, created_by, kind, status, request, finished_at) VALUES (?, ?, ?, 'post', ?, '{}', ?)").bind(id(name), w, user, status, finishedAt);
  const source = (name: string, o: { next: number; paused?: boolean; success?: number; error?: number }) =>
    db
      .prepare("INSERT INTO sources (id, workspace_id, kind, name, url, next_run_at, paused, last_success_at, last_error_at) VALUES (?, ?, 'feed', ?, 'https://feed.example/rss', ?, ?, ?, ?)")
      .bind(id(name), w, name, o.next, o.paused ? 1 : 0, o.success ?? null, o.error ?? null);
  const publication = (name: string, o: { status: string; scheduled: number; published?: number; updated?: number; metricsDue?: number }) =>
    db
      .prepare(
        "INSERT INTO publications (id, workspace_id, content_id, variant_id, account_id, scheduled_at, scheduled_zone, status, idempotency_key, published_at, updated_at, metrics_due_at) VALUES (?, ?, ?, ?, ?, ?, 'UTC', ?, ?, ?, ?, ?)",
      )
      .bind(id(name), w, id("cnt"), id("var"), id("acc"), o.scheduled, o.status, id(`key_${name}`), o.published ?? null, o.updated ?? now, o.metricsDue ?? null);
  const delivery = (name: string, send: string, status: string, claimed: number | null) =>
    db.prepare("INSERT INTO email_deliveries (id, workspace_id, send_id, email, status, claimed_at) VALUES (?, ?, ?, ?, ?, ?)").bind(id(name), w, id(send), `${name}@example.com`, status, claimed);
  const send = (name: string, status: string, o: { scheduled: number; started?: number; finished?: number }) =>
    db
      .prepare("INSERT INTO email_sends (id, workspace_id, newsletter_id, status, scheduled_at, subject, preheader, html, text, base_url, started_at, finished_at) VALUES (?, ?, ?, ?, ?, 'S', '', '<p>x</p>', 'x', 'https://engine.test', ?, ?)")
      .bind(id(name), w, id("nl"), status, o.scheduled, o.started ?? null, o.finished ?? null);

  // Publications A, B, C published in the last day, 10 s, 40 s and 250 s late; D two days ago.
  const publishedA = now - 2 * HOUR;
  const publishedB = now - 3 * HOUR;
  const publishedC = now - 5 * HOUR;
  await db.batch([
    db.prepare("INSERT INTO content (id, workspace_id, kind, title, author_id, updated_at) VALUES (?, ?, 'post', 'Ops', ?, ?)").bind(id("cnt"), w, user, now),
    db.prepare("INSERT INTO content_variants (id, workspace_id, content_id, platform) VALUES (?, ?, ?, 'bluesky')").bind(id("var"), w, id("cnt")),
    db.prepare("INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, ?, 'bluesky', ?, 'ops.test', 'https://pds.bsky.test', 'x')").bind(id("acc"), w, id("ext")),
    // Generation: 2 queued, 1 running; in the window 3 done and 1 failed; older or cancelled ones do not count.
    job("jq1", "queued", null),
    job("jq2", "queued", null),
    job("jr1", "running", null),
    job("jd1", "done", now - HOUR),
    job("jd2", "done", now - 2 * HOUR),
    job("jd3", "done", now - 20 * HOUR),
    job("jf1", "failed", now - 3 * HOUR),
    job("jf2", "failed", now - 2 * DAY),
    job("jc1", "cancelled", now - HOUR),
    // Sources: 2 due (a paused one is not); of the 3 that ran in the window, 1 failed last.
    source("s_ok", { next: now - 10 * MIN, success: now - HOUR }),
    source("s_broken", { next: now - MIN, success: now - 3 * HOUR, error: now - HOUR }),
    source("s_paused", { next: now - HOUR, paused: true }),
    source("s_recovered", { next: now + HOUR, success: now - HOUR, error: now - 3 * HOUR }),
    source("s_old", { next: now + HOUR, error: now - 2 * DAY }),
    publication("pa", { status: "published", scheduled: publishedA - 10_000, published: publishedA, metricsDue: firstPullAt(publishedA) }),
    publication("pb", { status: "published", scheduled: publishedB - 40_000, published: publishedB, metricsDue: nextPullAt(publishedB, now - 30 * MIN)! }),
    // Its regular next pull was 3 hours ago; a failure pushed it 3 hours ahead.
    publication("pc", { status: "published", scheduled: publishedC - 250_000, published: publishedC, metricsDue: now + 3 * HOUR }),
    publication("pd", { status: "published", scheduled: now - 2 * DAY - 1_000_000, published: now - 2 * DAY }),
    publication("pf1", { status: "failed", scheduled: now - 4 * HOUR, updated: now - 4 * HOUR }),
    publication("pf2", { status: "failed", scheduled: now - 3 * DAY, updated: now - 3 * DAY }),
    // Waiting: due 1 min ago and 10 min ago (overdue), one in the future, one rate-limited, one being published.
    publication("ps1", { status: "scheduled", scheduled: now - MIN }),
    publication("ps2", { status: "scheduled", scheduled: now - 10 * MIN }),
    publication("ps3", { status: "scheduled", scheduled: now + HOUR }),
    publication("pw1", { status: "waiting", scheduled: now - 20 * MIN }),
    publication("pp1", { status: "publishing", scheduled: now - 30_000 }),
    db.prepare("INSERT INTO post_metrics (workspace_id, publication_id, pulled_at) VALUES (?, ?, ?)").bind(w, id("pb"), now - 30 * MIN),
    db.prepare("INSERT INTO post_metrics (workspace_id, publication_id, pulled_at) VALUES (?, ?, ?)").bind(w, id("pc"), now - 4 * HOUR),
    // Email: one send running (4 queued, 3 sent and 1 failed in the window), one due, one old.
    db.prepare("INSERT INTO newsletters (id, workspace_id, subject, updated_at) VALUES (?, ?, 'News', ?)").bind(id("nl"), w, now),
    send("snd_run", "sending", { scheduled: now - HOUR, started: now - HOUR }),
    send("snd_due", "scheduled", { scheduled: now - 2 * MIN }),
    send("snd_old", "sent", { scheduled: now - 3 * DAY, started: now - 3 * DAY, finished: now - 3 * DAY }),
    ...["q1", "q2", "q3", "q4"].map((d) => delivery(d, "snd_run", "queued", null)),
    ...["ok1", "ok2", "ok3"].map((d) => delivery(d, "snd_run", "sent", now - 30 * MIN)),
    delivery("bad1", "snd_run", "failed", now - 30 * MIN),
    delivery("bad_old", "snd_old", "failed", now - 3 * DAY),
    // Outgoing webhooks: 2 pending (1 due now), 1 being sent, 1 delivered.
    db.prepare("INSERT INTO webhook_endpoints (id, workspace_id, url, event_types, secret_sealed) VALUES (?, ?, 'https://hooks.example/in', '[]', 'x')").bind(id("whe"), w),
    ...(
      [
        ["wd1", "pending", now - MIN],
        ["wd2", "pending", now + HOUR],
        ["wd3", "sending", now - MIN],
        ["wd4", "delivered", null],
      ] as const
    ).map(([d, status, next]) =>
      db.prepare("INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event_id, event_type, payload, status, next_attempt_at) VALUES (?, ?, ?, 'evt_1', 'content.published', '{}', ?, ?)").bind(id(d), id("whe"), w, status, next),
    ),
  ]);
}

beforeAll(async () => {
  owner = await signUp("Opal");
  ws = await createWorkspace(owner, "Ops Co");
  token = await createToken(owner, ws, "read");
  other = await signUp("Otto");
  otherWs = await createWorkspace(other, "Other Ops");
  otherToken = await createToken(other, otherWs, "write");
  // Editors cannot create tokens: this one is made as an admin, then the role is lowered.
  editor = await signUp("Eda");
  const editorId = await addMember(owner, ws, editor, "admin");
  editorToken = await createToken(editor, ws, "write");
  await api(await createToken(owner, ws, "write"), "PATCH", `/workspaces/${ws}/members/${editorId}`, { role: "editor" });
  viewer = await signUp("Vera");
  await addMember(owner, ws, viewer, "viewer");
  const admin = await signUp("Adam");
  await addMember(owner, ws, admin, "admin");
  adminToken = await createToken(admin, ws, "read");
  const now = Date.now();
  await seed(ws, now);
  await seed(otherWs, now);
});

describe("the figures", () => {
  it("count this workspace's waiting work, failures, publish lag and pulls", async () => {
    const response = await api(token, "GET", `/workspaces/${ws}/operations`);
    expect(response.status).toBe(200);
    const figures = (await response.json()) as Figures;
    expect(figures.windowHours).toBe(24);
    expect(figures.waiting).toEqual({
      generationQueued: 2,
      generationRunning: 1,
      sourcesDue: 2,
      publicationsDue: 2,
      publicationsOverdue: 1,
      publicationsWaiting: 1,
      publicationsInFlight: 1,
      emailSendsDue: 1,
      emailSendsRunning: 1,
      emailDeliveriesQueued: 4,
      webhookDeliveriesPending: 3,
      webhookDeliveriesDue: 1,
    });
    expect(figures.failures).toEqual({
      generationJobs: { failed: 1, total: 4, rate: 0.25 },
      sourceRuns: { failed: 1, total: 3, rate: 1 / 3 },
      publications: { failed: 1, total: 4, rate: 0.25 },
      emailDeliveries: { failed: 1, total: 4, rate: 0.25 },
    });
    expect(figures.publishLag).toEqual({ count: 3, p50: 40_000, p95: 250_000, p99: 250_000, max: 250_000 });
    expect(figures.metricsPulls).toEqual({ scheduled: 3, due: 1, backingOff: 1 });
  });

  it("render as tables on the page, numbers formatted, without JavaScript", async () => {
    const response = await owner.get(`/w/${ws}/operations`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Cloudflare Queues do not let a Worker read");
    // Everything is in the served HTML: no part of the page is fetched afterwards by script.
    expect(html.slice(html.indexOf("<main"))).not.toMatch(/hx-(get|trigger)/);
    const row = (id: string) => html.match(new RegExp(`<tr id="${id}">(.*?)</tr>`, "s"))?.[1] ?? "";
    expect(row("waiting-generation-queued")).toContain(">2<");
    expect(row("waiting-deliveries-queued")).toContain(">4<");
    expect(row("waiting-webhooks-pending")).toContain("1 due now");
    expect(row("failures-generation")).toContain("25.0%");
    expect(row("failures-sources")).toContain("33.3%");
    const lag = html.match(/<table id="publish-lag">(.*?)<\/table>/s)?.[1] ?? "";
    expect(lag).toContain("40.0 s");
    expect(lag).toContain("4 min 10 s");
    expect(row("metrics-backing-off")).toContain(">1<");
  });

  it("say 'none' rather than divide by zero in a quiet workspace", async () => {
    const quiet = await createWorkspace(owner, "Quiet");
    const quietToken = await createToken(owner, quiet, "read");
    const figures = (await (await api(quietToken, "GET", `/workspaces/${quiet}/operations`)).json()) as Figures;
    expect(figures.failures.publications).toEqual({ failed: 0, total: 0, rate: null });
    expect(figures.publishLag).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null });
    expect(Object.values(figures.waiting).every((v) => v === 0)).toBe(true);
    const html = await (await owner.get(`/w/${quiet}/operations`)).text();
    expect(html.match(/<tr id="failures-publications">(.*?)<\/tr>/s)?.[1]).toContain("–");
  });
});

describe("who sees them", () => {
  it("owners and admins do; editors and viewers are refused", async () => {
    expect((await api(adminToken, "GET", `/workspaces/${ws}/operations`)).status).toBe(200);
    expect((await editor.get(`/w/${ws}/operations`)).status).toBe(403);
    expect((await viewer.get(`/w/${ws}/operations`)).status).toBe(403);
    const refused = await api(editorToken, "GET", `/workspaces/${ws}/operations`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    // The settings tabs offer the page only to those who may see it.
    expect(await (await owner.get(`/w/${ws}/settings`)).text()).toContain(`/w/${ws}/operations`);
    expect(await (await editor.get(`/w/${ws}/audit`)).text()).not.toContain(`/w/${ws}/operations`);
  });

  it("another workspace's member gets 404, by page and by token", async () => {
    expect((await other.get(`/w/${ws}/operations`)).status).toBe(404);
    expect((await api(otherToken, "GET", `/workspaces/${ws}/operations`)).status).toBe(404);
    expect((await api(token, "GET", `/workspaces/ws_doesnotexist/operations`)).status).toBe(404);
    expect((await api(null, "GET", `/workspaces/${ws}/operations`)).status).toBe(401);
  });
});

describe("formatting", () => {
  it("takes nearest-rank percentiles", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([50, 95, 99, 100].map((p) => percentile(hundred, p))).toEqual([50, 95, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });

  it("writes counts and durations for people", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
    expect([null, 850, 12_400, 185_000, 2 * HOUR + 7 * MIN].map(formatDuration)).toEqual(["–", "850 ms", "12.4 s", "3 min 05 s", "2 h 07 min"]);
  });
});
