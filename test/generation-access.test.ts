/**
 * Who may do what in generation, and tenant isolation: every new route, UI and API, answers 404 to
 * another workspace's session or token, and roles are held to the permission table.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, api, Browser, createToken, createWorkspace, signUp } from "./support/client";

let owner: Browser;
let ws: string;
let token: string;
let jobId: string;
let voiceId: string;
let providerId: string;
let outsider: Browser;
let outsiderToken: string;
let viewer: Browser;
let editor: Browser;

beforeAll(async () => {
  owner = await signUp("Otto");
  ws = await createWorkspace(owner, "Private Gen");
  token = await createToken(owner, ws, "write");
  const provider = await api(token, "POST", `/workspaces/${ws}/generation/providers`, { name: "Main", baseUrl: "https://ok.llm.test/v1", model: "gpt-4o-mini", apiKey: "sk-owner-secret" });
  providerId = ((await provider.json()) as { id: string }).id;
  voiceId = ((await (await api(token, "POST", `/workspaces/${ws}/generation/voices`, { name: "House" })).json()) as { id: string }).id;
  jobId = ((await (await api(token, "POST", `/workspaces/${ws}/generation/jobs`, { kind: "article", brief: "Quarterly results" })).json()) as { id: string }).id;
  outsider = await signUp("Oona");
  const otherWs = await createWorkspace(outsider, "Elsewhere");
  outsiderToken = await createToken(outsider, otherWs, "write");
  viewer = await signUp("Vic");
  await addMember(owner, ws, viewer, "viewer");
  editor = await signUp("Eda");
  await addMember(owner, ws, editor, "editor");
});

describe("tenant isolation", () => {
  it("answers 404 on every generation API route to another workspace's token", async () => {
    const base = `/workspaces/${ws}/generation`;
    const routes: [string, string, unknown?][] = [
      ["GET", `${base}/jobs`],
      ["POST", `${base}/jobs`, { kind: "article", brief: "x" }],
      ["GET", `${base}/jobs/${jobId}`],
      ["POST", `${base}/jobs/${jobId}/cancel`],
      ["POST", `${base}/jobs/${jobId}/retry`],
      ["GET", `${base}/providers`],
      ["POST", `${base}/providers`, { name: "x", baseUrl: "https://ok.llm.test/v1", model: "m" }],
      ["POST", `${base}/providers/${providerId}/move`, { direction: "up" }],
      ["DELETE", `${base}/providers/${providerId}`],
      ["GET", `${base}/voices`],
      ["POST", `${base}/voices`, { name: "x" }],
      ["GET", `${base}/voices/${voiceId}`],
      ["PUT", `${base}/voices/${voiceId}`, { name: "x" }],
      ["DELETE", `${base}/voices/${voiceId}`],
      ["GET", `${base}/prices`],
      ["PUT", `${base}/prices`, { model: "m", inputPerMillion: 1, outputPerMillion: 1 }],
      ["GET", `${base}/budget`],
      ["PUT", `${base}/budget`, { monthlyBudgetUsd: 1 }],
    ];
    for (const [method, path, body] of routes) {
      expect((await api(outsiderToken, method, path, body)).status, `${method} ${path}`).toBe(404);
    }
  });

  it("does not find one workspace's job, voice or provider through another workspace's own routes", async () => {
    const mine = ((await (await api(outsiderToken, "GET", "/me")).json()) as { workspace: { id: string } }).workspace.id;
    expect(mine).not.toBe(ws);
    expect((await api(outsiderToken, "GET", `/workspaces/${mine}/generation/jobs/${jobId}`)).status).toBe(404);
    expect((await api(outsiderToken, "GET", `/workspaces/${mine}/generation/voices/${voiceId}`)).status).toBe(404);
    expect((await api(outsiderToken, "DELETE", `/workspaces/${mine}/generation/providers/${providerId}`)).status).toBe(404);
    expect((await api(outsiderToken, "POST", `/workspaces/${mine}/generation/jobs`, { kind: "article", brief: "x", voiceId })).status).toBe(422);
  });

  it("answers 404 on every generation page and form to another workspace's member", async () => {
    const pages = ["/generate", "/generate/new", `/generate/jobs/${jobId}`, `/generate/jobs/${jobId}/progress`, "/generate/providers", "/generate/voices", `/generate/voices/${voiceId}`];
    for (const page of pages) expect((await outsider.get(`/w/${ws}${page}`)).status, page).toBe(404);
    const forms: [string, Record<string, string>][] = [
      ["/generate", { kind: "article", brief: "x" }],
      [`/generate/jobs/${jobId}/cancel`, {}],
      [`/generate/jobs/${jobId}/retry`, {}],
      ["/generate/providers", { name: "x", baseUrl: "https://ok.llm.test/v1", model: "m" }],
      [`/generate/providers/${providerId}/move`, { direction: "down" }],
      [`/generate/providers/${providerId}/delete`, {}],
      ["/generate/prices", { model: "m", inputPerMillion: "1", outputPerMillion: "1" }],
      ["/generate/budget", { monthlyBudgetUsd: "1" }],
      ["/generate/voices", { name: "x" }],
      [`/generate/voices/${voiceId}`, { name: "x" }],
      [`/generate/voices/${voiceId}/delete`, {}],
    ];
    for (const [path, body] of forms) expect((await outsider.post(`/w/${ws}${path}`, body)).status, path).toBe(404);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM generation_jobs WHERE workspace_id = ?").bind(ws).first<{ n: number }>())!.n).toBe(1);
  });
});

describe("roles", () => {
  it("lets viewers see jobs but not start them, editors run jobs and edit voices but not providers", async () => {
    expect((await viewer.get(`/w/${ws}/generate/jobs/${jobId}`)).status).toBe(200);
    const readToken = await createToken(owner, ws, "read");
    expect((await api(readToken, "GET", `/workspaces/${ws}/generation/jobs`)).status).toBe(200);
    expect((await api(readToken, "POST", `/workspaces/${ws}/generation/jobs`, { kind: "article", brief: "x" })).status).toBe(403);
    expect((await viewer.post(`/w/${ws}/generate`, { kind: "article", brief: "x" })).status).toBe(403);
    const providers = await (await viewer.get(`/w/${ws}/generate/providers`)).text();
    expect(providers).not.toContain("Add a provider");
    expect(providers).not.toContain("sk-owner-secret");

    expect((await editor.post(`/w/${ws}/generate`, { kind: "article", brief: "From the editor" })).status).toBe(303);
    expect((await editor.post(`/w/${ws}/generate/voices`, { name: "Editor voice", bannedWords: "synergy, leverage" })).status).toBe(303);
    expect((await editor.post(`/w/${ws}/generate/providers`, { name: "x", baseUrl: "https://ok.llm.test/v1", model: "m" })).status).toBe(403);
    expect((await editor.post(`/w/${ws}/generate/budget`, { monthlyBudgetUsd: "1000" })).status).toBe(403);
    const voices = (await (await api(token, "GET", `/workspaces/${ws}/generation/voices`)).json()) as { voices: { name: string; bannedWords: string[] }[] };
    expect(voices.voices.find((v) => v.name === "Editor voice")!.bannedWords).toEqual(["synergy", "leverage"]);
  });
});
