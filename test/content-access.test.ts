/** Tenant isolation and roles for every content route, in the UI and the API. */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, api, Browser, createToken, createWorkspace, signUp } from "./support/client";

let alice: Browser;
let aliceWs: string;
let aliceToken: string;
let bobWs: string;
let bobItem: string;
let viewer: Browser;
let readToken: string;

beforeAll(async () => {
  alice = await signUp("Alice");
  aliceWs = await createWorkspace(alice, "Alice Co");
  aliceToken = await createToken(alice, aliceWs, "write");
  readToken = await createToken(alice, aliceWs, "read");
  viewer = await signUp("Vera");
  await addMember(alice, aliceWs, viewer, "viewer");
  const bob = await signUp("Bob");
  bobWs = await createWorkspace(bob, "Bob Co");
  const bobToken = await createToken(bob, bobWs, "write");
  const created = await api(bobToken, "POST", `/workspaces/${bobWs}/content`, { kind: "post", title: "Bob's secret plan", body: "launch day" });
  bobItem = ((await created.json()) as { id: string }).id;
});

const bobState = async () => ({
  content: await env.DB.prepare("SELECT title, body, status, version FROM content WHERE id = ?").bind(bobItem).first(),
  events: (await env.DB.prepare("SELECT COUNT(*) AS n FROM content_events WHERE content_id = ?").bind(bobItem).first<{ n: number }>())!.n,
});

describe("tenant isolation", () => {
  it("the UI answers 404 for another workspace's content by id, and changes nothing", async () => {
    const before = await bobState();
    const form = { version: "1", title: "Hacked", body: "x", action: "submit", comment: "x", basedOn: "1", contentId: bobItem, day: "2099-01-01" };
    const attempts: [string, string][] = [
      ["GET", `/w/${bobWs}/content`],
      ["GET", `/w/${bobWs}/calendar`],
      ["GET", `/w/${bobWs}/review`],
      ["GET", `/w/${bobWs}/campaigns`],
      ["GET", `/w/${bobWs}/notifications`],
      ["POST", `/w/${bobWs}/campaigns`],
      ["POST", `/w/${bobWs}/templates`],
      ["GET", `/w/${aliceWs}/content/${bobItem}`],
      ["GET", `/w/${aliceWs}/content/${bobItem}/revisions`],
      ["GET", `/w/${aliceWs}/content/${bobItem}/diff?a=1&b=1`],
      ["POST", `/w/${aliceWs}/content/${bobItem}`],
      ["POST", `/w/${aliceWs}/content/${bobItem}/transition`],
      ["POST", `/w/${aliceWs}/content/${bobItem}/comments`],
      ["POST", `/w/${aliceWs}/content/${bobItem}/revisions/1/restore`],
      ["POST", `/w/${aliceWs}/calendar/move`],
    ];
    for (const [method, path] of attempts) {
      const response = method === "GET" ? await alice.get(path) : await alice.post(path, form);
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    const list = await (await alice.get(`/w/${aliceWs}/content?q=secret`)).text();
    expect(list).not.toContain("Bob&#39;s secret plan");
    expect(await bobState()).toEqual(before);
  });

  it("the API answers 404 for another workspace's content by id, and search never crosses workspaces", async () => {
    const before = await bobState();
    const calls: [string, string, unknown?][] = [
      ["GET", `/workspaces/${bobWs}/content`],
      ["GET", `/workspaces/${aliceWs}/content/${bobItem}`],
      ["PUT", `/workspaces/${aliceWs}/content/${bobItem}`, { version: 1, title: "Hacked" }],
      ["POST", `/workspaces/${aliceWs}/content/${bobItem}/transitions`, { action: "submit" }],
      ["GET", `/workspaces/${aliceWs}/content/${bobItem}/timeline`],
      ["POST", `/workspaces/${aliceWs}/content/${bobItem}/comments`, { body: "hi" }],
      ["GET", `/workspaces/${aliceWs}/content/${bobItem}/revisions`],
      ["POST", `/workspaces/${aliceWs}/content/${bobItem}/revisions/1/restore`, { basedOn: 1 }],
      ["POST", `/workspaces/${aliceWs}/calendar/moves`, { contentId: bobItem, day: "2099-01-01" }],
      ["GET", `/workspaces/${bobWs}/campaigns`],
      ["GET", `/workspaces/${bobWs}/templates`],
      ["GET", `/workspaces/${bobWs}/notifications`],
      ["GET", `/workspaces/${bobWs}/calendar?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`],
    ];
    for (const [method, path, body] of calls) {
      const response = await api(aliceToken, method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    const search = (await (await api(aliceToken, "GET", `/workspaces/${aliceWs}/content?q=secret`)).json()) as { items: unknown[] };
    expect(search.items).toEqual([]);
    expect(await bobState()).toEqual(before);
  });
});

describe("roles", () => {
  it("a viewer reads and comments but cannot create, save or move content", async () => {
    const created = await api(aliceToken, "POST", `/workspaces/${aliceWs}/content`, { kind: "post", title: "Team post" });
    const item = (await created.json()) as { id: string };
    expect((await viewer.get(`/w/${aliceWs}/content/${item.id}`)).status).toBe(200);
    expect((await viewer.post(`/w/${aliceWs}/content`, { kind: "post", title: "Mine" })).status).toBe(403);
    expect((await viewer.post(`/w/${aliceWs}/content/${item.id}`, { version: "1", title: "Changed" })).status).toBe(403);
    expect((await viewer.post(`/w/${aliceWs}/content/${item.id}/transition`, { action: "submit" })).status).toBe(403);
    expect((await viewer.post(`/w/${aliceWs}/content/${item.id}/comments`, { body: "Nice" })).status).toBe(303);
  });

  it("a read token can list but not write", async () => {
    expect((await api(readToken, "GET", `/workspaces/${aliceWs}/content`)).status).toBe(200);
    expect((await api(readToken, "POST", `/workspaces/${aliceWs}/content`, { kind: "post", title: "No" })).status).toBe(403);
  });

  it("bad form input gets a 4xx naming the field", async () => {
    const response = await alice.post(`/w/${aliceWs}/content`, { kind: "podcast", title: "" }, { htmx: true });
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain("kind:");
    expect(html).toContain("title: is required");
  });
});
