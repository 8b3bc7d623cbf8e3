import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, Browser, createToken, createWorkspace, destination, signUp } from "./support/client";

// Threads on variants: the posts after the first, kept as `thread` on content_variants.
let owner: Browser;
let ws: string;
let token: string;

type Variant = { platform: string; text: string; thread: string[] };
type ContentJson = { id: string; version: number; variants: Variant[] };
type ErrorJson = { error: { code: string; message: string; fields?: Record<string, string> } };

beforeAll(async () => {
  owner = await signUp("Theo");
  ws = await createWorkspace(owner, "Threads studio");
  token = await createToken(owner, ws, "write");
});

const count = async (sql: string) => (await env.DB.prepare(sql).bind(ws).first<{ n: number }>())!.n;
const stored = async (contentId: string) =>
  (await env.DB.prepare("SELECT platform, text, thread FROM content_variants WHERE content_id = ? ORDER BY platform").bind(contentId).all<{ platform: string; text: string; thread: string }>()).results.map((r) => ({ ...r, thread: JSON.parse(r.thread) as string[] }));

describe("threads through the API", () => {
  it("saves a thread with its variant, returns it, snapshots it in every revision and restores it", async () => {
    const created = await api(token, "POST", `/workspaces/${ws}/content`, {
      kind: "post",
      title: "A thread",
      variants: [
        { platform: "x", text: "1/3 The tram opens", thread: ["2/3 Twelve stations", "3/3 See you there"] },
        { platform: "linkedin", text: "One long post" },
      ],
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const item = (await created.json()) as ContentJson;
    expect(item.variants).toEqual([expect.objectContaining({ platform: "linkedin", thread: [] }), expect.objectContaining({ platform: "x", thread: ["2/3 Twelve stations", "3/3 See you there"] })]);
    expect(await stored(item.id)).toEqual([
      { platform: "linkedin", text: "One long post", thread: [] },
      { platform: "x", text: "1/3 The tram opens", thread: ["2/3 Twelve stations", "3/3 See you there"] },
    ]);

    const saved = await api(token, "PUT", `/workspaces/${ws}/content/${item.id}`, { version: 1, title: "A thread", variants: [{ platform: "x", text: "1/2 The tram opens", thread: ["2/2 Only two now"] }] });
    expect(saved.status, await saved.clone().text()).toBe(200);
    expect(((await saved.json()) as ContentJson).variants[0]!.thread).toEqual(["2/2 Only two now"]);
    const revisions = await env.DB.prepare("SELECT version, variants FROM content_revisions WHERE content_id = ? ORDER BY version").bind(item.id).all<{ version: number; variants: string }>();
    expect(revisions.results.map((r) => (JSON.parse(r.variants) as Variant[]).find((v) => v.platform === "x")!.thread)).toEqual([["2/3 Twelve stations", "3/3 See you there"], ["2/2 Only two now"]]);

    const restored = await api(token, "POST", `/workspaces/${ws}/content/${item.id}/revisions/1/restore`, { basedOn: 2 });
    expect(restored.status).toBe(200);
    const back = (await restored.json()) as ContentJson;
    expect(back.version).toBe(3);
    expect(back.variants.find((v) => v.platform === "x")!.thread).toEqual(["2/3 Twelve stations", "3/3 See you there"]);
    expect(await stored(item.id)).toContainEqual({ platform: "x", text: "1/3 The tram opens", thread: ["2/3 Twelve stations", "3/3 See you there"] });
  });

  it("refuses a part over the platform's limit, an empty part, and a thread where the platform has none: 422 naming the field, nothing written", async () => {
    const before = { content: await count("SELECT COUNT(*) AS n FROM content WHERE workspace_id = ?"), variants: await count("SELECT COUNT(*) AS n FROM content_variants WHERE workspace_id = ?") };
    const cases: [Variant, string, RegExp][] = [
      // X counts a URL as 23 and CJK as 2, exactly as for the first post: 141 CJK characters are 282.
      [{ platform: "x", text: "first", thread: ["fine", "漢".repeat(141)] }, "variants.0.thread.1", /2 over X's limit of 280/],
      [{ platform: "bluesky", text: "first", thread: ["a".repeat(301)] }, "variants.0.thread.0", /over Bluesky's limit of 300/],
      [{ platform: "mastodon", text: "first", thread: ["ok", "  "] }, "variants.0.thread.1", /is empty/],
      [{ platform: "linkedin", text: "first", thread: ["second"] }, "variants.0.thread", /LinkedIn has no threads/],
    ];
    for (const [variant, field, problem] of cases) {
      const response = await api(token, "POST", `/workspaces/${ws}/content`, { kind: "post", title: "Bad thread", variants: [variant] });
      expect(response.status).toBe(422);
      const { error } = (await response.json()) as ErrorJson;
      expect(Object.keys(error.fields ?? {})).toEqual([field]);
      expect(error.fields![field]).toMatch(problem);
      expect(error.message).toContain(field);
    }
    // Every part in trouble is named.
    const two = await api(token, "POST", `/workspaces/${ws}/content`, { kind: "post", title: "Two bad parts", variants: [{ platform: "linkedin", text: "x" }, { platform: "x", text: "first", thread: ["a".repeat(281), "ok", ""] }] });
    expect(Object.keys(((await two.json()) as ErrorJson).error.fields ?? {})).toEqual(["variants.1.thread.0", "variants.1.thread.2"]);
    // Within the limit by X's counting (every URL is 23), so accepted.
    const ok = await api(token, "POST", `/workspaces/${ws}/content`, { kind: "post", title: "Good thread", variants: [{ platform: "x", text: "first", thread: [`${"a".repeat(250)} https://example.com/${"p".repeat(100)}`] }] });
    expect(ok.status, await ok.clone().text()).toBe(201);
    const item = (await ok.json()) as ContentJson;
    // A save with a bad part changes nothing either.
    const bad = await api(token, "PUT", `/workspaces/${ws}/content/${item.id}`, { version: 1, title: "Changed", variants: [{ platform: "threads", text: "first", thread: ["x".repeat(501)] }] });
    expect(bad.status).toBe(422);
    expect(Object.keys(((await bad.json()) as ErrorJson).error.fields ?? {})).toEqual(["variants.0.thread.0"]);
    expect(await env.DB.prepare("SELECT title, version FROM content WHERE id = ?").bind(item.id).first()).toEqual({ title: "Good thread", version: 1 });
    expect(await count("SELECT COUNT(*) AS n FROM content WHERE workspace_id = ?")).toBe(before.content + 1);
    expect(await count("SELECT COUNT(*) AS n FROM content_variants WHERE workspace_id = ?")).toBe(before.variants + 1);
  });

  it("keeps an item from being submitted while a part is over the limit of an account's platform", async () => {
    // Saved before the part rules tightened (or written by hand): submit still checks every part.
    const ok = await api(token, "POST", `/workspaces/${ws}/content`, { kind: "post", title: "Later too long", variants: [{ platform: "bluesky", text: "first", thread: ["second"] }] });
    const item = (await ok.json()) as ContentJson;
    await env.DB.prepare("UPDATE content_variants SET thread = ? WHERE content_id = ?").bind(JSON.stringify(["b".repeat(400)]), item.id).run();
    const submitted = await api(token, "POST", `/workspaces/${ws}/content/${item.id}/transitions`, { action: "submit" });
    expect(submitted.status).toBe(422);
    expect(((await submitted.json()) as ErrorJson).error.message).toMatch(/bluesky: post 2 of the thread: 100 over Bluesky's limit/);
  });
});

describe("threads in the editor", () => {
  it("saves the parts typed between --- lines, shows them back with a count each, and measures them as you type", async () => {
    const created = await owner.post(`/w/${ws}/content`, { kind: "post", title: "Editor thread" });
    const itemPath = destination(created)!;
    const id = itemPath.split("/").pop()!;
    const saved = await owner.post(itemPath, {
      version: "1",
      title: "Editor thread",
      body: "",
      "variant.bluesky.text": "First post",
      // As a browser sends a textarea: CRLF line ends; blank parts are dropped.
      "variant.bluesky.thread": "Second post\r\n---\r\nThird post\r\nwith two lines\r\n---\r\n\r\n---",
    });
    expect(saved.status).toBe(303);
    expect(await stored(id)).toEqual([{ platform: "bluesky", text: "First post", thread: ["Second post", "Third post\nwith two lines"] }]);

    const page = await (await owner.get(itemPath)).text();
    expect(page).toContain('name="variant.bluesky.thread"');
    expect(page).toMatch(/name="variant\.bluesky\.thread"[^>]*>Second post\n---\nThird post\nwith two lines<\/textarea>/);
    expect(page).toContain("post 2: 11 / 300");
    expect(page).toContain("post 3: 25 / 300");
    // Platforms without threads get no thread field.
    expect(page).not.toContain('name="variant.linkedin.thread"');

    const measured = await owner.post(`/w/${ws}/content/measure/x/thread`, { "variant.x.thread": `ok\n---\n${"漢".repeat(141)}` }, { htmx: true });
    const counter = await measured.text();
    expect(counter).toContain("post 2: 2 / 280");
    expect(counter).toMatch(/class="counter over">post 3: 282 \/ 280/);
    expect((await owner.post(`/w/${ws}/content/measure/linkedin/thread`, { "variant.linkedin.thread": "x" }, { htmx: true })).status).toBe(404);

    // Saving again keeps the parts (the form sends them back as they were shown).
    const again = await owner.post(itemPath, { version: "2", title: "Editor thread", body: "", "variant.bluesky.text": "First post", "variant.bluesky.thread": "Second post\n---\nThird post\nwith two lines" });
    expect(again.status).toBe(303);
    expect((await stored(id))[0]!.thread).toEqual(["Second post", "Third post\nwith two lines"]);
    const revisions = await env.DB.prepare("SELECT variants FROM content_revisions WHERE content_id = ? ORDER BY version DESC LIMIT 1").bind(id).first<{ variants: string }>();
    expect((JSON.parse(revisions!.variants) as Variant[])[0]!.thread).toEqual(["Second post", "Third post\nwith two lines"]);
  });

  it("shows a part over the limit as a 422 naming it, saving nothing", async () => {
    const created = await owner.post(`/w/${ws}/content`, { kind: "post", title: "Too long in the editor" });
    const itemPath = destination(created)!;
    const response = await owner.post(itemPath, { version: "1", title: "Too long in the editor", body: "", "variant.x.text": "First", "variant.x.thread": `ok\n---\n${"a".repeat(281)}` });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("variants.0.thread.1");
    expect(await env.DB.prepare("SELECT version FROM content WHERE id = ?").bind(itemPath.split("/").pop()).first()).toEqual({ version: 1 });
  });
});
