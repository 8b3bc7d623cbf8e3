/**
 * The Generate pages as a person uses them: providers (the key never shown again), their order,
 * prices and budget, brand voices, the hand-off from trends, cancel and retry, and a failed job's
 * message and raw answer on its page.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../workers/api/index";
import { api, Browser, createToken, createWorkspace, destination, signUp } from "./support/client";

let owner: Browser;
let ws: string;
let token: string;

beforeAll(async () => {
  owner = await signUp("Uma");
  ws = await createWorkspace(owner, "UI Gen");
  token = await createToken(owner, ws, "write");
});

const providerNames = async () => ((await (await api(token, "GET", `/workspaces/${ws}/generation/providers`)).json()) as { providers: { id: string; name: string }[] }).providers;

describe("settings pages", () => {
  it("adds providers with their keys hidden, orders the chain, edits a price and the budget", async () => {
    expect((await owner.post(`/w/${ws}/generate/providers`, { name: "First", baseUrl: "https://ok.llm.test/v1/", model: "gpt-4o-mini", apiKey: "sk-ui-secret-9876", jsonMode: "on" })).status).toBe(303);
    expect((await owner.post(`/w/${ws}/generate/providers`, { name: "Second", baseUrl: "https://down.llm.test/v1", model: "house-model", apiKey: "" })).status).toBe(303);
    const page = await (await owner.get(`/w/${ws}/generate/providers`)).text();
    expect(page).toContain("…9876");
    expect(page).not.toContain("sk-ui-secret");
    expect(page).toContain("https://ok.llm.test/v1<");
    expect(page).toContain("house-model");
    const [first, second] = await providerNames();
    expect([first!.name, second!.name]).toEqual(["First", "Second"]);
    expect((await owner.post(`/w/${ws}/generate/providers/${second!.id}/move`, { direction: "up" })).status).toBe(303);
    expect((await providerNames()).map((p) => p.name)).toEqual(["Second", "First"]);

    expect((await owner.post(`/w/${ws}/generate/prices`, { model: "house-model", inputPerMillion: "1.5", outputPerMillion: "3", perImage: "0" })).status).toBe(303);
    const prices = ((await (await api(token, "GET", `/workspaces/${ws}/generation/prices`)).json()) as { prices: { model: string; inputPerMillion: number; custom: boolean }[] }).prices;
    expect(prices.find((p) => p.model === "house-model")).toMatchObject({ inputPerMillion: 1.5, custom: true });
    expect((await owner.post(`/w/${ws}/generate/prices`, { model: "house-model", inputPerMillion: "-1", outputPerMillion: "3" }, { htmx: true })).status).toBe(422);

    expect((await owner.post(`/w/${ws}/generate/budget`, { monthlyBudgetUsd: "25" })).status).toBe(303);
    expect(await (await owner.get(`/w/${ws}/generate`)).text()).toContain("$0.00 spent of a $25.00 budget");
    expect((await owner.post(`/w/${ws}/generate/budget`, { monthlyBudgetUsd: "" })).status).toBe(303);
    expect(await (await owner.get(`/w/${ws}/generate`)).text()).toContain("(no budget set)");

    expect((await owner.post(`/w/${ws}/generate/providers/${first!.id}/delete`)).status).toBe(303);
    expect((await owner.post(`/w/${ws}/generate/providers/${second!.id}/delete`)).status).toBe(303);
    expect(await providerNames()).toEqual([]);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE workspace_id = ? AND action LIKE 'ai_provider.%' ORDER BY id").bind(ws).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["ai_provider.added", "ai_provider.added", "ai_provider.reordered", "ai_provider.deleted", "ai_provider.deleted"]);
  });

  it("creates, edits and deletes a brand voice from its forms", async () => {
    const created = await owner.post(`/w/${ws}/generate/voices`, { name: "Friendly", tone: "warm", audience: "neighbours", dos: "say thanks\nlink sources", donts: "no jargon", bannedWords: "Synergy, disrupt", examples: "Thanks for riding with us!", language: "EN" });
    expect(created.status).toBe(303);
    const voice = ((await (await api(token, "GET", `/workspaces/${ws}/generation/voices`)).json()) as { voices: { id: string; dos: string[]; bannedWords: string[]; language: string }[] }).voices[0]!;
    expect(voice).toMatchObject({ dos: ["say thanks", "link sources"], bannedWords: ["synergy", "disrupt"], language: "en" });
    const form = await (await owner.get(`/w/${ws}/generate/voices/${voice.id}`)).text();
    expect(form).toContain("synergy, disrupt");
    expect((await owner.post(`/w/${ws}/generate/voices/${voice.id}`, { name: "Friendlier", language: "fr" })).status).toBe(303);
    expect(await (await owner.get(`/w/${ws}/generate/voices`)).text()).toContain("Friendlier");
    expect(await (await owner.get(`/w/${ws}/generate/new`)).text()).toContain(`<option value="${voice.id}">Friendlier</option>`);
    expect((await owner.post(`/w/${ws}/generate/voices/${voice.id}/delete`)).status).toBe(303);
    expect((await owner.get(`/w/${ws}/generate/voices/${voice.id}`)).status).toBe(404);
  });
});

describe("jobs in the UI", () => {
  it("takes a trend's topic and items from the trends page into the form", async () => {
    const now = Date.now();
    await env.DB.prepare("INSERT INTO sources (id, workspace_id, kind, name, url, next_run_at) VALUES ('src_ui', ?, 'feed', 'Sky', 'https://sky.test/feed', ?)").bind(ws, now).run();
    await env.DB.batch(
      [0, 1, 2, 3].map((i) =>
        env.DB.prepare("INSERT INTO source_items (id, workspace_id, source_id, canonical_url, url, title, simhash, story_id, created_at, published_at) VALUES (?, ?, 'src_ui', ?, ?, ?, '0', ?, ?, ?)").bind(
          `itm_sky${i}`,
          ws,
          `https://sky.test/${i}`,
          `https://sky.test/${i}`,
          `Aurora borealis seen over the coast ${i}`,
          `itm_sky${i}`,
          now,
          now - i * 1_200_000,
        ),
      ),
    );
    const trends = await (await owner.get(`/w/${ws}/trends`)).text();
    expect(trends).toContain(`action="/w/${ws}/generate/new"`);
    expect(trends).toContain('name="topic" value="aurora"');
    const form = await (await owner.get(`/w/${ws}/generate/new?topic=aurora`)).text();
    for (let i = 0; i < 4; i++) expect(form).toContain(`value="itm_sky${i}" checked`);
    // The API takes the topic alone and brings its items.
    const job = (await (await api(token, "POST", `/workspaces/${ws}/generation/jobs`, { kind: "newsletter", topic: "aurora" })).json()) as { request: { itemIds: string[] } };
    expect(job.request.itemIds.sort()).toEqual(["itm_sky0", "itm_sky1", "itm_sky2", "itm_sky3"]);
  });

  it("cancels a queued job and retries it from its page", async () => {
    const started = await owner.post(`/w/${ws}/generate`, { kind: "article", brief: "Cancel me" });
    expect(started.status).toBe(303);
    const jobPath = destination(started)!;
    const page = await (await owner.get(jobPath)).text();
    expect(page).toContain(`action="${jobPath}/cancel"`);
    expect(destination(await owner.post(`${jobPath}/cancel`))).toBe(jobPath);
    const cancelled = await (await owner.get(jobPath)).text();
    expect(cancelled).toContain('data-status="cancelled"');
    expect(cancelled).toContain(`action="${jobPath}/retry"`);
    const retried = destination(await owner.post(`${jobPath}/retry`))!;
    expect(retried).not.toBe(jobPath);
    expect(await (await owner.get(retried)).text()).toContain("retry of");
    expect((await owner.post(`${jobPath}/cancel`, {}, { htmx: true })).status).toBe(409);
  });

  it("shows a failed job's message and the model's raw answer", async () => {
    const other = await createWorkspace(owner, "Odd answers");
    await owner.post(`/w/${other}/generate/providers`, { name: "Odd", baseUrl: "https://misshapen.llm.test/v1", model: "gpt-4o-mini", apiKey: "sk-odd" });
    const jobPath = destination(await owner.post(`/w/${other}/generate`, { kind: "posts", brief: "Ferries", platforms: "x" }))!;
    const jobId = jobPath.split("/").pop()!;
    const batch = createMessageBatch("generate", [{ id: "ui", timestamp: new Date(), attempts: 1, body: { type: "generate", jobId } }]);
    await worker.queue(batch);
    await getQueueResult(batch, createExecutionContext());
    const page = await (await owner.get(jobPath)).text();
    expect(page).toContain('data-status="failed"');
    expect(page).toContain("The model&#39;s answer has the wrong shape");
    expect(page).toContain("&quot;confidence&quot;:0.9");
    expect(page).toMatch(/<td>post:x<\/td><td>Odd<\/td>/);
  });
});
