import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, api, Browser, createToken, createWorkspace, signUp } from "./support/client";

// The inbox of comments and mentions (filled by workers/api/webhooks-in; seeded directly here): the
// page with its tabs, filter and pages, "Mark done", the REST API, roles and tenant isolation.
type ItemJson = { id: string; kind: string; platform: string; author: string; text: string; doneAt: string | null; contentId: string | null; accountHandle: string | null };
type PageJson = { items: ItemJson[]; hasMore: boolean };

let owner: Browser;
let viewer: Browser;
let outsider: Browser;
let ws: string;
let otherWs: string;
let token: string;
let viewerToken: string;
let outsiderToken: string;
let contentId: string;
const base = Date.parse("2026-11-20T12:00:00Z");

async function seed(workspace: string, id: string, platform: string, minutes: number, extra: { author?: string; text?: string; accountId?: string; publicationId?: string } = {}) {
  await env.DB.prepare("INSERT INTO inbox_items (id, workspace_id, account_id, platform, kind, external_id, publication_id, author, text, url, occurred_at) VALUES (?, ?, ?, ?, 'comment', ?, ?, ?, ?, ?, ?)")
    .bind(id, workspace, extra.accountId ?? null, platform, `ext-${id}`, extra.publicationId ?? null, extra.author ?? `author ${id}`, extra.text ?? `text of ${id}`, `https://example.com/${id}`, base + minutes * 60_000)
    .run();
}

beforeAll(async () => {
  owner = await signUp("Ines");
  ws = await createWorkspace(owner, "Inbox Co");
  token = await createToken(owner, ws, "write");
  viewer = await signUp("Vera");
  const viewerId = await addMember(owner, ws, viewer, "admin");
  viewerToken = await createToken(viewer, ws, "write");
  expect((await api(token, "PATCH", `/workspaces/${ws}/members/${viewerId}`, { role: "viewer" })).status).toBe(200);
  outsider = await signUp("Oscar");
  otherWs = await createWorkspace(outsider, "Elsewhere");
  outsiderToken = await createToken(outsider, otherWs, "write");

  const created = await api(token, "POST", `/workspaces/${ws}/content`, { kind: "post", title: "Our post", variants: [{ platform: "x", text: "Hello" }] });
  contentId = ((await created.json()) as { id: string }).id;
  const variant = await env.DB.prepare("SELECT id FROM content_variants WHERE content_id = ?").bind(contentId).first<{ id: string }>();
  await env.DB.batch([
    env.DB.prepare("INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES ('acc_inbox_x', ?, 'x', 'x-inbox', '@ourbrand', 'https://api.x.test', 'sealed')").bind(ws),
    env.DB.prepare(
      "INSERT INTO publications (id, workspace_id, content_id, variant_id, account_id, scheduled_at, scheduled_zone, status, idempotency_key, external_id, external_url, updated_at) VALUES ('pub_inbox', ?, ?, ?, 'acc_inbox_x', ?, 'UTC', 'published', 'key-inbox', 'tw-1', 'https://x.com/ourbrand/status/tw-1', ?)",
    ).bind(ws, contentId, variant!.id, base, base),
  ]);
  // 30 open items: 28 from Mastodon, an X reply on our post (the newest), one with markup for an author.
  for (let i = 0; i < 28; i++) await seed(ws, `inb_m${String(i).padStart(2, "0")}`, "mastodon", i);
  await seed(ws, "inb_x", "x", 100, { accountId: "acc_inbox_x", publicationId: "pub_inbox", author: "@fan", text: "Great post" });
  await seed(ws, "inb_markup", "facebook", 50, { author: "<script>alert(1)</script>", text: "<b>bold</b>" });
  await seed(otherWs, "inb_theirs", "x", 200, { author: "their fan", text: "their secret comment" });
});

describe("the inbox page", () => {
  it("lists open items newest first, 25 a page, with the link to the post and to our content", async () => {
    const response = await owner.get(`/w/${ws}/inbox`);
    expect(response.status).toBe(200);
    const html = await response.text();
    const ids = [...html.matchAll(/id="inbox-(inb_[a-z0-9_]+)"/g)].map((m) => m[1]);
    expect(ids).toHaveLength(25);
    expect(ids.slice(0, 3)).toEqual(["inb_x", "inb_markup", "inb_m27"]);
    expect(html).toContain(`href="/w/${ws}/content/${contentId}"`);
    expect(html).toContain('href="https://example.com/inb_x"');
    expect(html).toContain("@ourbrand");
    expect(html).not.toContain("their secret comment");
    expect(html).toContain('aria-current="page"');
    // Platform strings are text, never markup.
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("?page=2");
    const second = await (await owner.get(`/w/${ws}/inbox?page=2`)).text();
    expect([...second.matchAll(/id="inbox-(inb_[a-z0-9_]+)"/g)].map((m) => m[1])).toEqual(["inb_m04", "inb_m03", "inb_m02", "inb_m01", "inb_m00"]);
  });

  it("filters by platform", async () => {
    const html = await (await owner.get(`/w/${ws}/inbox?platform=x`)).text();
    expect([...html.matchAll(/id="inbox-(inb_[a-z0-9_]+)"/g)].map((m) => m[1])).toEqual(["inb_x"]);
  });

  it("refuses a bad filter with a 422 naming it", async () => {
    const response = await owner.get(`/w/${ws}/inbox?status=archived&page=0`);
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain("status");
    expect(html).toContain("page");
  });

  it("Mark done through htmx removes the row; the item moves to the Done tab", async () => {
    const response = await owner.post(`/w/${ws}/inbox/inb_m05/done`, {}, { htmx: true });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    const open = await (await owner.get(`/w/${ws}/inbox?platform=mastodon&page=2`)).text();
    expect(open).not.toContain('id="inbox-inb_m05"');
    const done = await (await owner.get(`/w/${ws}/inbox?status=done`)).text();
    expect([...done.matchAll(/id="inbox-(inb_[a-z0-9_]+)"/g)].map((m) => m[1])).toEqual(["inb_m05"]);
    expect(done).not.toContain("Mark done");
    // A plain form goes back to the list.
    const plain = await owner.post(`/w/${ws}/inbox/inb_m06/done`);
    expect(plain.status).toBe(303);
    expect(plain.headers.get("location")).toBe(`/w/${ws}/inbox`);
  });

  it("a viewer reads the inbox but cannot mark anything done", async () => {
    const html = await (await viewer.get(`/w/${ws}/inbox`)).text();
    expect(html).toContain('id="inbox-inb_x"');
    expect(html).not.toContain("Mark done");
    expect((await viewer.post(`/w/${ws}/inbox/inb_x/done`, {}, { htmx: true })).status).toBe(403);
    const row = await env.DB.prepare("SELECT done_at FROM inbox_items WHERE id = 'inb_x'").first<{ done_at: number | null }>();
    expect(row!.done_at).toBeNull();
    expect((await viewer.get(`/w/${ws}/webhooks/inbound`)).status).toBe(403);
    expect((await viewer.post(`/w/${ws}/webhooks/inbound/secret`, {})).status).toBe(403);
  });

  it("another workspace's member sees nothing of it and cannot mark its items done", async () => {
    expect((await outsider.get(`/w/${ws}/inbox`)).status).toBe(404);
    expect((await outsider.post(`/w/${ws}/inbox/inb_x/done`)).status).toBe(404);
    // Through their own workspace, the id names nothing.
    expect((await outsider.post(`/w/${otherWs}/inbox/inb_x/done`, {}, { htmx: true })).status).toBe(404);
    const row = await env.DB.prepare("SELECT done_at FROM inbox_items WHERE id = 'inb_x'").first<{ done_at: number | null }>();
    expect(row!.done_at).toBeNull();
    const theirs = await (await outsider.get(`/w/${otherWs}/inbox`)).text();
    expect(theirs).toContain("their secret comment");
    expect(theirs).not.toContain("Great post");
  });
});

describe("the inbox API", () => {
  it("lists open items with their links, filters, and pages", async () => {
    const response = await api(token, "GET", `/workspaces/${ws}/inbox?platform=x`);
    expect(response.status).toBe(200);
    const page = (await response.json()) as PageJson;
    expect(page.hasMore).toBe(false);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ id: "inb_x", kind: "comment", platform: "x", author: "@fan", text: "Great post", contentId, accountHandle: "@ourbrand", doneAt: null });
    const limited = (await (await api(token, "GET", `/workspaces/${ws}/inbox?limit=5`)).json()) as PageJson;
    expect(limited.items).toHaveLength(5);
    expect(limited.hasMore).toBe(true);
  });

  it("marks an item done, once", async () => {
    const first = await api(token, "POST", `/workspaces/${ws}/inbox/inb_m10/done`);
    expect(first.status).toBe(200);
    const done = (await first.json()) as ItemJson;
    expect(done.doneAt).not.toBeNull();
    const again = (await (await api(token, "POST", `/workspaces/${ws}/inbox/inb_m10/done`)).json()) as ItemJson;
    expect(again.doneAt).toBe(done.doneAt);
    const list = (await (await api(token, "GET", `/workspaces/${ws}/inbox?status=done&platform=mastodon`)).json()) as PageJson;
    expect(list.items.map((i) => i.id)).toContain("inb_m10");
  });

  it("refuses a viewer's token to mark done, another workspace's token, an unknown item and bad input", async () => {
    expect((await api(viewerToken, "GET", `/workspaces/${ws}/inbox`)).status).toBe(200);
    expect((await api(viewerToken, "POST", `/workspaces/${ws}/inbox/inb_x/done`)).status).toBe(403);
    expect((await api(outsiderToken, "GET", `/workspaces/${ws}/inbox`)).status).toBe(404);
    expect((await api(outsiderToken, "POST", `/workspaces/${otherWs}/inbox/inb_x/done`)).status).toBe(404);
    expect((await api(token, "POST", `/workspaces/${ws}/inbox/inb_nope/done`)).status).toBe(404);
    const listed = (await (await api(outsiderToken, "GET", `/workspaces/${otherWs}/inbox`)).json()) as PageJson;
    expect(listed.items.map((i) => i.id)).toEqual(["inb_theirs"]);
    const bad = await api(token, "GET", `/workspaces/${ws}/inbox?status=maybe&limit=1000`);
    expect(bad.status).toBe(422);
    expect(Object.keys(((await bad.json()) as { error: { fields: Record<string, string> } }).error.fields).sort()).toEqual(["limit", "status"]);
    const row = await env.DB.prepare("SELECT done_at FROM inbox_items WHERE id = 'inb_x'").first<{ done_at: number | null }>();
    expect(row!.done_at).toBeNull();
  });
});

describe("the inbox in the API's spec", () => {
  it("documents both routes", async () => {
    const response = await api(null, "GET", "/openapi.json");
    expect(response.status).toBe(200);
    const spec = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(spec.paths["/v1/workspaces/{workspaceId}/inbox"] ?? {})).toEqual(["get"]);
    expect(Object.keys(spec.paths["/v1/workspaces/{workspaceId}/inbox/{itemId}/done"] ?? {})).toEqual(["post"]);
  });
});
