import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { measure, PLATFORMS, type Platform } from "../lib/domain/platforms";
import worker from "../workers/api/index";
import { api, Browser, createToken, createWorkspace, signUp } from "./support/client";

type Job = {
  id: string;
  status: string;
  progress: { done: number; total: number; label: string };
  offline: boolean;
  provider: string | null;
  usage: { promptTokens: number; completionTokens: number; images: number; costUsd: number; cacheHits: number };
  error: string | null;
  rawOutput: string | null;
  problems: string[];
  contentId: string | null;
  attempts: { provider: string; step: string; ok: boolean; httpStatus: number | null; error: string | null }[];
};
type Content = { id: string; kind: string; title: string; body: string; tags: string[]; status: string; variants: { platform: string; text: string; mediaIds: string[]; thread: string[] }[] };
type ErrorJson = { error: { code: string; message: string; fields?: Record<string, string> } };

let owner: Browser;
let token: string;

async function workspaceWith(providers: { name: string; host: string; model?: string; imageModel?: string; apiKey?: string; jsonMode?: boolean }[]) {
  const ws = await createWorkspace(owner, `Gen ${Math.random().toString(36).slice(2, 7)}`);
  const t = await createToken(owner, ws, "write");
  for (const p of providers) {
    const response = await api(t, "POST", `/workspaces/${ws}/generation/providers`, {
      name: p.name,
      baseUrl: `https://${p.host}/v1`,
      model: p.model ?? "gpt-4o-mini",
      imageModel: p.imageModel,
      apiKey: p.apiKey ?? "sk-test-1234",
      jsonMode: p.jsonMode ?? true,
    });
    expect(response.status, await response.clone().text()).toBe(201);
  }
  return { ws, t };
}

async function seedItems(ws: string, titles: string[], text = (t: string) => `<p>${t}. It was reported by several outlets on Monday.</p>`): Promise<string[]> {
  const sourceId = `src_${crypto.randomUUID().slice(0, 8)}`;
  await env.DB.prepare("INSERT INTO sources (id, workspace_id, kind, name, url, next_run_at) VALUES (?, ?, 'feed', 'Seed', 'https://news.test/feed.xml', ?)").bind(sourceId, ws, Date.now()).run();
  const ids: string[] = [];
  for (const [i, title] of titles.entries()) {
    const id = `itm_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
    ids.push(id);
    await env.DB.prepare("INSERT INTO source_items (id, workspace_id, source_id, canonical_url, url, title, content_html, simhash, story_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, '0000000000000000', ?, ?)")
      .bind(id, ws, sourceId, `https://news.test/${id}`, `https://news.test/${id}`, title, text(title), id, Date.now() - i * 60_000)
      .run();
  }
  return ids;
}

async function jobJson(t: string, ws: string, id: string): Promise<Job> {
  const response = await api(t, "GET", `/workspaces/${ws}/generation/jobs/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Job;
}

/** Runs the generate consumer on a job's message (as the queue would), then waits for the job to finish. */
async function runJob(t: string, ws: string, id: string): Promise<Job> {
  const batch = createMessageBatch("generate", [{ id: `msg-${id}`, timestamp: new Date(), attempts: 1, body: { type: "generate", jobId: id } }]);
  await worker.queue(batch);
  const result = await getQueueResult(batch, createExecutionContext());
  expect(result.explicitAcks).toEqual([`msg-${id}`]);
  for (let i = 0; i < 100; i++) {
    const job = await jobJson(t, ws, id);
    if (["done", "failed", "cancelled"].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

async function start(t: string, ws: string, body: Record<string, unknown>): Promise<string> {
  const response = await api(t, "POST", `/workspaces/${ws}/generation/jobs`, body);
  expect(response.status, await response.clone().text()).toBe(202);
  return ((await response.json()) as Job).id;
}

async function contentOf(t: string, ws: string, id: string): Promise<Content> {
  const response = await api(t, "GET", `/workspaces/${ws}/content/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Content;
}

beforeAll(async () => {
  owner = await signUp("Gene");
  token = await createToken(owner, await createWorkspace(owner, "Unused"), "write");
  expect(token).toMatch(/^cet_/);
});

describe("the provider chain", () => {
  it("backs off and retries on 429 and 500, then falls back in order, recording every attempt with its error", async () => {
    const { ws, t } = await workspaceWith([
      { name: "Busy", host: "rate-limited.llm.test" },
      { name: "Broken", host: "down.llm.test" },
      { name: "Good", host: "ok.llm.test" },
    ]);
    const job = await runJob(t, ws, await start(t, ws, { kind: "posts", brief: "Our new office opens in Lyon next week.", platforms: ["bluesky"] }));
    expect(job.status).toBe("done");
    expect(job.provider).toBe("Good");
    const order = job.attempts.map((a) => `${a.provider}:${a.ok ? "ok" : a.httpStatus}`);
    expect(order).toEqual(["Busy:429", "Busy:429", "Busy:429", "Broken:500", "Broken:500", "Broken:500", "Good:ok"]);
    expect(job.attempts[0]!.error).toMatch(/Rate limit reached/);
    expect(job.attempts[3]!.error).toMatch(/server had an error/);
    expect(job.usage.promptTokens).toBeGreaterThan(0);
  });

  it("moves on at once on errors retrying cannot fix, and fails with every provider's message when all fail", async () => {
    const { ws, t } = await workspaceWith([
      { name: "Wrong key", host: "ok.llm.test", apiKey: "sk-wrong" },
      { name: "Garbled", host: "garbled.llm.test" },
    ]);
    const job = await runJob(t, ws, await start(t, ws, { kind: "article", brief: "Why we moved to Lyon." }));
    expect(job.status).toBe("failed");
    expect(job.attempts.map((a) => a.provider)).toEqual(["Wrong key", "Garbled"]);
    expect(job.error).toMatch(/Wrong key: 401 Incorrect API key provided/);
    expect(job.error).toMatch(/Garbled: /);
    expect(job.contentId).toBeNull();
  });

  it("keeps API keys encrypted at rest and never returns them", async () => {
    const { ws, t } = await workspaceWith([{ name: "Secret", host: "ok.llm.test", apiKey: "sk-live-abcdefghijklmnop" }]);
    const row = await env.DB.prepare("SELECT api_key_sealed FROM ai_providers WHERE workspace_id = ?").bind(ws).first<{ api_key_sealed: string }>();
    expect(row!.api_key_sealed).toMatch(/^v1\./);
    expect(row!.api_key_sealed).not.toContain("abcdefghijklmnop");
    const listed = await (await api(t, "GET", `/workspaces/${ws}/generation/providers`)).text();
    expect(listed).not.toContain("abcdefghijklmnop");
    expect(JSON.parse(listed).providers[0]).toMatchObject({ hasApiKey: true, apiKeyHint: "mnop" });
  });
});

describe("jobs", () => {
  it("writes a draft post with a variant per platform within every platform's limits, even from a model that writes far too long", async () => {
    const { ws, t } = await workspaceWith([{ name: "Wordy", host: "verbose.llm.test" }]);
    const long = "The harbour authority approved the new ferry terminal after a decade of debate. ".repeat(60);
    const items = await seedItems(ws, ["Harbour terminal approved", "Ferry terminal vote"], () => `<p>${long}</p>`);
    const job = await runJob(t, ws, await start(t, ws, { kind: "posts", itemIds: items, platforms: [...PLATFORMS] }));
    expect(job.status, job.error ?? "").toBe("done");
    // Each platform was asked once, then asked to shorten once (the fake shortens when told).
    expect(job.attempts.filter((a) => a.step.startsWith("post:x")).length).toBe(2);
    const item = await contentOf(t, ws, job.contentId!);
    expect(item.kind).toBe("post");
    expect(item.status).toBe("draft");
    expect(item.variants.map((v) => v.platform).sort()).toEqual([...PLATFORMS].sort());
    for (const v of item.variants) {
      const m = measure(v.platform as Platform, v.text);
      expect(m.ok, `${v.platform}: ${m.problems.join("; ")}`).toBe(true);
      expect(v.text.length).toBeGreaterThan(20);
    }
  });

  it("shortens at a sentence boundary, never mid-word, when the model stays too long", async () => {
    // `verbose` shortens only when told; the offline writer and the composer must hold the line
    // by themselves for text that arrives too long: here, a 3,000-character source for X.
    const { ws, t } = await workspaceWith([]);
    const sentence = "Lyon's new tram line opens on Monday with twelve stations across the river.";
    const items = await seedItems(ws, ["Lyon tram line opens"], () => `<p>${`${sentence} `.repeat(40)}</p>`);
    const job = await runJob(t, ws, await start(t, ws, { kind: "posts", itemIds: items, platforms: ["x", "bluesky", "threads", "mastodon"] }));
    const item = await contentOf(t, ws, job.contentId!);
    for (const v of item.variants) {
      expect(measure(v.platform as Platform, v.text).ok, v.platform).toBe(true);
      const body = v.text.replace(/\s+#\S+/g, "").replace(/ https?:\/\/\S+/, "");
      expect(body, v.platform).toMatch(/[.!?…]$/);
    }
  });

  it("writes threads for X, Bluesky and Threads when asked, each post within the limit", async () => {
    const { ws, t } = await workspaceWith([{ name: "Good", host: "ok.llm.test" }]);
    const job = await runJob(t, ws, await start(t, ws, { kind: "posts", topic: "Lyon", brief: "A new tram line opens.", platforms: ["x", "bluesky", "linkedin"], threads: true }));
    expect(job.status).toBe("done");
    expect(job.attempts.filter((a) => a.step.startsWith("thread:")).map((a) => a.step).sort()).toEqual(["thread:bluesky", "thread:x"]);
    // Only the threads are written for X and Bluesky: their first post is the variant's post.
    expect(job.attempts.some((a) => a.step === "post:x" || a.step === "post:bluesky")).toBe(false);
    const item = await contentOf(t, ws, job.contentId!);
    // The parts are the variant's own: its text is the first post, `thread` the replies after it.
    const byPlatform = Object.fromEntries(item.variants.map((v) => [v.platform, v]));
    for (const platform of ["x", "bluesky"] as const) {
      const v = byPlatform[platform]!;
      expect(v.text, platform).not.toBe("");
      expect(v.thread.length, platform).toBeGreaterThanOrEqual(2);
      for (const part of [v.text, ...v.thread]) expect(measure(platform, part).ok, `${platform}: ${part}`).toBe(true);
    }
    expect(byPlatform.linkedin!.thread).toEqual([]);
    // Not copied into the body as text any more.
    expect(item.body).not.toMatch(/Thread for/);
  });

  it("records an answer that is not the asked-for JSON as a failure with the raw text kept, never a crash", async () => {
    for (const [host, message] of [
      ["misshapen.llm.test", /wrong shape \(text: /],
      ["chatty.llm.test", /contains no JSON object/],
    ] as const) {
      const { ws, t } = await workspaceWith([{ name: "Odd", host }]);
      const job = await runJob(t, ws, await start(t, ws, { kind: "posts", brief: "A tram line opens.", platforms: ["x"] }));
      expect(job.status).toBe("failed");
      expect(job.error).toMatch(message);
      expect(job.rawOutput).toBeTruthy();
      expect(job.contentId).toBeNull();
    }
  });

  it("parses JSON wrapped in prose and a code fence from providers without JSON mode", async () => {
    const { ws, t } = await workspaceWith([{ name: "Plain", host: "ok.llm.test", jsonMode: false }]);
    const job = await runJob(t, ws, await start(t, ws, { kind: "newsletter", topic: "Trams", brief: "Weekly tram news" }));
    expect(job.status, job.error ?? "").toBe("done");
    const item = await contentOf(t, ws, job.contentId!);
    expect(item.kind).toBe("newsletter");
    expect(item.title).toBe("This week: Trams");
  });

  it("reuses an identical request's answer within 24 hours, unless asked to regenerate", async () => {
    const { ws, t } = await workspaceWith([{ name: "Good", host: "ok.llm.test" }]);
    const request = { kind: "article", topic: "Ferries", brief: "The ferry timetable changes in spring." };
    const first = await runJob(t, ws, await start(t, ws, request));
    expect(first.usage.cacheHits).toBe(0);
    expect(first.attempts.length).toBe(1);
    const second = await runJob(t, ws, await start(t, ws, request));
    expect(second.status).toBe("done");
    expect(second.usage.cacheHits).toBe(1);
    expect(second.attempts.length).toBe(0);
    expect(second.usage.costUsd).toBe(0);
    const fresh = await runJob(t, ws, await start(t, ws, { ...request, regenerate: true }));
    expect(fresh.usage.cacheHits).toBe(0);
    expect(fresh.attempts.length).toBe(1);
  });

  it("cancels a running job: it stops between steps and saves nothing", async () => {
    const { ws, t } = await workspaceWith([{ name: "Slow", host: "slow.llm.test" }]);
    const id = await start(t, ws, { kind: "posts", brief: "Slow news day.", platforms: ["x", "bluesky", "threads", "mastodon"] });
    const batch = createMessageBatch("generate", [{ id: "slow", timestamp: new Date(), attempts: 1, body: { type: "generate", jobId: id } }]);
    const running = worker.queue(batch);
    let job = await jobJson(t, ws, id);
    for (let i = 0; i < 50 && job.status !== "running"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      job = await jobJson(t, ws, id);
    }
    expect(job.status).toBe("running");
    const cancelled = await api(t, "POST", `/workspaces/${ws}/generation/jobs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    await running;
    job = await jobJson(t, ws, id);
    expect(job.status).toBe("cancelled");
    expect(job.contentId).toBeNull();
    // One slow step ran (1.5 s); the other three never started.
    expect(job.attempts.length).toBe(1);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM content WHERE workspace_id = ?").bind(ws).first<{ n: number }>())!.n).toBe(0);
    // Cancelling a finished job is a conflict; retrying it makes a new job.
    expect((await api(t, "POST", `/workspaces/${ws}/generation/jobs/${id}/cancel`)).status).toBe(409);
    const retried = await api(t, "POST", `/workspaces/${ws}/generation/jobs/${id}/retry`);
    expect(retried.status).toBe(202);
    expect(((await retried.json()) as Job & { retryOf: string }).retryOf).toBe(id);
  });

  it("counts tokens and cost with the workspace's price table, and blocks new jobs once the monthly budget is spent", async () => {
    const { ws, t } = await workspaceWith([{ name: "Good", host: "ok.llm.test", model: "house-model" }]);
    const price = await api(t, "PUT", `/workspaces/${ws}/generation/prices`, { model: "house-model", inputPerMillion: 1000, outputPerMillion: 2000 });
    expect(price.status).toBe(200);
    expect(((await (await api(t, "PUT", `/workspaces/${ws}/generation/budget`, { monthlyBudgetUsd: 0.05 })).json()) as { monthlyBudgetUsd: number }).monthlyBudgetUsd).toBe(0.05);
    const job = await runJob(t, ws, await start(t, ws, { kind: "article", brief: "Budget day for the tram project, with many details." }));
    expect(job.status).toBe("done");
    const expected = (job.usage.promptTokens * 1000 + job.usage.completionTokens * 2000) / 1_000_000;
    expect(job.usage.costUsd).toBeCloseTo(expected, 10);
    expect(job.usage.costUsd).toBeGreaterThan(0.05);
    const blocked = await api(t, "POST", `/workspaces/${ws}/generation/jobs`, { kind: "article", brief: "Another one" });
    expect(blocked.status).toBe(409);
    const error = ((await blocked.json()) as ErrorJson).error;
    expect(error.code).toBe("budget_spent");
    expect(error.message).toMatch(/budget for the month is spent \(\$0\.\d\d of \$0\.05\)/);
    const budget = (await (await api(t, "GET", `/workspaces/${ws}/generation/budget`)).json()) as { spentUsd: number; left: number };
    expect(budget.spentUsd).toBeCloseTo(job.usage.costUsd, 10);
    expect(budget.left).toBe(0);
  });

  it("applies the brand voice: banned words get one repair attempt, and what still fails is shown", async () => {
    const { ws, t } = await workspaceWith([{ name: "Careless", host: "careless.llm.test" }]);
    const voice = await api(t, "POST", `/workspaces/${ws}/generation/voices`, { name: "Calm", tone: "calm, precise", audience: "commuters", bannedWords: ["revolutionary", "game-changer"], dos: ["cite sources"], language: "en" });
    expect(voice.status).toBe(201);
    const voiceId = ((await voice.json()) as { id: string }).id;
    const job = await runJob(t, ws, await start(t, ws, { kind: "posts", brief: "The tram line opens on Monday.", platforms: ["mastodon"], voiceId }));
    expect(job.status).toBe("done");
    // First answer used the banned words; the repair request fixed them.
    expect(job.attempts.map((a) => a.step)).toEqual(["post:mastodon", "post:mastodon (again)"]);
    expect(job.problems).toEqual([]);
    const item = await contentOf(t, ws, job.contentId!);
    expect(item.variants[0]!.text).not.toMatch(/revolutionary|game-changer/i);
    // The same voice in French: English output fails the language check twice and is reported.
    await api(t, "PUT", `/workspaces/${ws}/generation/voices/${voiceId}`, { name: "Calme", bannedWords: [], language: "fr" });
    const french = await runJob(t, ws, await start(t, ws, { kind: "posts", brief: "The tram line opens on Monday with twelve stations and new buses.", platforms: ["linkedin"], voiceId, regenerate: true }));
    expect(french.status).toBe("done");
    expect(french.problems.some((p) => /LinkedIn: is in English, not French/.test(p))).toBe(true);
  });

  it("turns an image prompt into an image in the media library with alt text, attached to the variants that take images", async () => {
    const { ws, t } = await workspaceWith([{ name: "Painter", host: "ok.llm.test", imageModel: "dall-e-3" }]);
    const job = await runJob(t, ws, await start(t, ws, { kind: "posts", brief: "Tram opening", topic: "Trams", platforms: ["bluesky", "linkedin"], image: true }));
    expect(job.status, job.error ?? "").toBe("done");
    expect(job.usage.images).toBe(1);
    expect(job.usage.costUsd).toBeCloseTo(0.04 + 0, 2);
    const item = await contentOf(t, ws, job.contentId!);
    const mediaId = item.variants[0]!.mediaIds[0]!;
    expect(item.variants.every((v) => v.mediaIds[0] === mediaId)).toBe(true);
    const media = (await (await api(t, "GET", `/workspaces/${ws}/media/${mediaId}`)).json()) as { altText: string; mime: string };
    expect(media.mime).toBe("image/png");
    expect(media.altText).toBe("A photograph about Trams");
    expect(await env.MEDIA.head(`ws/${ws}/${mediaId}`)).not.toBeNull();
  });

  it("illustrates an article with the image its own answer described", async () => {
    const { ws, t } = await workspaceWith([{ name: "Painter", host: "ok.llm.test", imageModel: "gpt-image-1" }]);
    const job = await runJob(t, ws, await start(t, ws, { kind: "article", topic: "Ferries", brief: "Spring timetable", image: true }));
    expect(job.status, job.error ?? "").toBe("done");
    expect(job.attempts.map((a) => a.step)).toEqual(["article", "image"]);
    const item = await contentOf(t, ws, job.contentId!);
    expect(item.body).toMatch(new RegExp(`^!\\[Illustration about Ferries\\]\\(/w/${ws}/media/med_[a-z0-9]+/file\\)\n\n`));
  });
});

describe("redelivery", () => {
  it("never runs a job twice, and picks up a job whose run died", async () => {
    const { ws, t } = await workspaceWith([]);
    const id = await start(t, ws, { kind: "posts", brief: "The night ferry returns in May, with cabins for forty travellers.", platforms: ["bluesky"] });
    // Another delivery is running it (fresh heartbeat): this one is put back for later, not run.
    await env.DB.prepare("UPDATE generation_jobs SET status = 'running', heartbeat_at = ? WHERE id = ?").bind(Date.now(), id).run();
    const batch = createMessageBatch("generate", [{ id: "again", timestamp: new Date(), attempts: 2, body: { type: "generate", jobId: id } }]);
    // getQueueResult does not report a retry's delay, so the call itself is watched for it.
    const retry = vi.spyOn(batch.messages[0]!, "retry");
    await worker.queue(batch);
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "again" }]);
    expect(retry).toHaveBeenCalledWith({ delaySeconds: 150 });
    expect((await jobJson(t, ws, id)).status).toBe("running");
    // That run died: once its heartbeat is stale, the next delivery claims the job and finishes it.
    await env.DB.prepare("UPDATE generation_jobs SET heartbeat_at = ? WHERE id = ?").bind(Date.now() - 5 * 60_000, id).run();
    const job = await runJob(t, ws, id);
    expect(job.status).toBe("done");
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM content WHERE workspace_id = ?").bind(ws).first<{ n: number }>())!.n).toBe(1);
  });

  it("lets people retry a stalled job, closing the stalled run", async () => {
    const { ws, t } = await workspaceWith([]);
    const id = await start(t, ws, { kind: "article", brief: "Stalled" });
    await env.DB.prepare("UPDATE generation_jobs SET status = 'running', heartbeat_at = ? WHERE id = ?").bind(Date.now(), id).run();
    expect((await api(t, "POST", `/workspaces/${ws}/generation/jobs/${id}/retry`)).status).toBe(409);
    await env.DB.prepare("UPDATE generation_jobs SET heartbeat_at = ? WHERE id = ?").bind(Date.now() - 5 * 60_000, id).run();
    expect((await api(t, "POST", `/workspaces/${ws}/generation/jobs/${id}/retry`)).status).toBe(202);
    const old = await jobJson(t, ws, id);
    expect(old.status).toBe("failed");
    expect(old.error).toMatch(/^Stalled/);
  });
});

describe("bad input", () => {
  it("gets a 4xx naming the field, and writes nothing", async () => {
    const { ws, t } = await workspaceWith([]);
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: "posts", brief: "x" }, "platforms"],
      [{ kind: "posts", brief: "x", platforms: ["myspace"] }, "platforms.0"],
      [{ kind: "poem", brief: "x" }, "kind"],
      [{ kind: "article" }, "brief"],
      [{ kind: "article", brief: "x", voiceId: "voi_nope" }, "voiceId"],
      [{ kind: "newsletter", itemIds: ["itm_nope"] }, "itemIds"],
      [{ kind: "article", brief: "x".repeat(5000) }, "brief"],
    ];
    for (const [body, field] of cases) {
      const response = await api(t, "POST", `/workspaces/${ws}/generation/jobs`, body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(Object.keys(((await response.json()) as ErrorJson).error.fields ?? {}), JSON.stringify(body)).toContain(field);
    }
    const providerCases: [Record<string, unknown>, string][] = [
      [{ name: "Local", baseUrl: "http://127.0.0.1:11434/v1", model: "llama3" }, "baseUrl"],
      [{ name: "Meta", baseUrl: "http://169.254.169.254/v1", model: "m" }, "baseUrl"],
      [{ name: "", baseUrl: "https://api.openai.com/v1", model: "m" }, "name"],
      [{ name: "No model", baseUrl: "https://api.openai.com/v1" }, "model"],
    ];
    for (const [body, field] of providerCases) {
      const response = await api(t, "POST", `/workspaces/${ws}/generation/providers`, body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(Object.keys(((await response.json()) as ErrorJson).error.fields ?? {})).toContain(field);
    }
    expect((await api(t, "PUT", `/workspaces/${ws}/generation/budget`, { monthlyBudgetUsd: -1 })).status).toBe(422);
    expect((await api(t, "POST", `/workspaces/${ws}/generation/voices`, { name: "V", language: "english" })).status).toBe(422);
    expect((await api(t, "POST", `/workspaces/${ws}/generation/jobs`, "{not json")).status).toBe(400);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM generation_jobs WHERE workspace_id = ?").bind(ws).first<{ n: number }>())!.n).toBe(0);
  });
});
