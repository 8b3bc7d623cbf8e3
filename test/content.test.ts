import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, api, Browser, createToken, createWorkspace, destination, signUp } from "./support/client";

let owner: Browser;
let editor: Browser;
let ws: string;
let ownerToken: string;
let editorId: string;

type ContentJson = { id: string; version: number; status: string; title: string; body: string; variants: { platform: string; text: string }[]; scheduledAt: string | null };
type ErrorJson = { error: { code: string; message: string; fields?: Record<string, string>; current?: ContentJson } };

beforeAll(async () => {
  owner = await signUp("Olive");
  ws = await createWorkspace(owner, "Studio");
  ownerToken = await createToken(owner, ws, "write");
  editor = await signUp("Eddie");
  editorId = await addMember(owner, ws, editor, "editor");
});

async function create(token: string, body: Record<string, unknown>): Promise<ContentJson> {
  const response = await api(token, "POST", `/workspaces/${ws}/content`, { kind: "post", ...body });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as ContentJson;
}

describe("content items", () => {
  it("creates a draft with variants and a first revision", async () => {
    const item = await create(ownerToken, { title: "Launch", body: "We **launch** today", tags: ["News", "news", "launch"], brandVoice: "Warm", variants: [{ platform: "x", text: "We launch today" }] });
    expect(item).toMatchObject({ version: 1, status: "draft", brandVoice: "Warm", variants: [{ platform: "x", text: "We launch today" }] });
    const revisions = await env.DB.prepare("SELECT version FROM content_revisions WHERE content_id = ?").bind(item.id).all();
    expect(revisions.results).toEqual([{ version: 1 }]);
    const row = await env.DB.prepare("SELECT tags FROM content WHERE id = ?").bind(item.id).first<{ tags: string }>();
    expect(JSON.parse(row!.tags)).toEqual(["news", "launch"]);
  });

  it("refuses an unknown platform, a duplicate platform and a foreign campaign, writing nothing", async () => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM content").first<{ n: number }>();
    for (const variants of [[{ platform: "myspace", text: "x" }], [{ platform: "x", text: "a" }, { platform: "x", text: "b" }]]) {
      const response = await api(ownerToken, "POST", `/workspaces/${ws}/content`, { kind: "post", title: "Bad", variants });
      expect(response.status).toBe(422);
      expect(Object.keys(((await response.json()) as ErrorJson).error.fields ?? {})[0]).toMatch(/^variants\.\d\.platform$/);
    }
    const foreign = await api(ownerToken, "POST", `/workspaces/${ws}/content`, { kind: "post", title: "Bad", campaignId: "cmp_other" });
    expect(foreign.status).toBe(422);
    const missing = await api(ownerToken, "POST", `/workspaces/${ws}/content`, { kind: "podcast" });
    expect(Object.keys(((await missing.json()) as ErrorJson).error.fields ?? {}).sort()).toEqual(["kind", "title"]);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM content").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it("every save makes a revision; saving over a newer version gets 409 with the current version", async () => {
    const item = await create(ownerToken, { title: "Draft one", body: "first" });
    const save = (version: number, body: string) => api(ownerToken, "PUT", `/workspaces/${ws}/content/${item.id}`, { version, title: "Draft one", body });
    const first = await save(1, "second");
    expect(first.status).toBe(200);
    expect(((await first.json()) as ContentJson).version).toBe(2);
    const stale = await save(1, "my stale edit");
    expect(stale.status).toBe(409);
    const error = ((await stale.json()) as ErrorJson).error;
    expect(error.code).toBe("edit_conflict");
    expect(error.current).toMatchObject({ version: 2, body: "second" });
    const stored = await env.DB.prepare("SELECT body, version FROM content WHERE id = ?").bind(item.id).first();
    expect(stored).toEqual({ body: "second", version: 2 });
    const revisions = await env.DB.prepare("SELECT COUNT(*) AS n FROM content_revisions WHERE content_id = ?").bind(item.id).first<{ n: number }>();
    expect(revisions!.n).toBe(2);
  });

  it("two saves from the same version racing: exactly one wins", async () => {
    const item = await create(ownerToken, { title: "Race", body: "start" });
    const [a, b] = await Promise.all([
      api(ownerToken, "PUT", `/workspaces/${ws}/content/${item.id}`, { version: 1, title: "Race", body: "from A" }),
      api(ownerToken, "PUT", `/workspaces/${ws}/content/${item.id}`, { version: 1, title: "Race", body: "from B" }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const versions = await env.DB.prepare("SELECT version FROM content_revisions WHERE content_id = ? ORDER BY version").bind(item.id).all();
    expect(versions.results).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it("shows the difference between two revisions and restores one as a new version", async () => {
    const item = await create(ownerToken, { title: "Diff me", body: "the quick brown fox" });
    await api(ownerToken, "PUT", `/workspaces/${ws}/content/${item.id}`, { version: 1, title: "Diff me", body: "the slow brown fox" });
    const diff = (await (await api(ownerToken, "GET", `/workspaces/${ws}/content/${item.id}/revisions?a=1&b=2`)).json()) as { diff: { op: string; text: string }[] };
    expect(diff.diff.filter((h) => h.op === "delete").map((h) => h.text.trim())).toContain("quick");
    expect(diff.diff.filter((h) => h.op === "insert").map((h) => h.text.trim())).toContain("slow");
    const page = await (await owner.get(`/w/${ws}/content/${item.id}/diff?a=1&b=2`)).text();
    expect(page).toMatch(/<del>[^<]*quick[^<]*<\/del>/);
    const restored = await api(ownerToken, "POST", `/workspaces/${ws}/content/${item.id}/revisions/1/restore`, { basedOn: 2 });
    expect(await restored.json()).toMatchObject({ version: 3, body: "the quick brown fox" });
  });

  it("renders Markdown bodies sanitized", async () => {
    const item = await create(ownerToken, { title: "XSS", body: "Hello <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>" });
    const html = await (await owner.get(`/w/${ws}/content/${item.id}`)).text();
    const rendered = html.slice(html.indexOf('class="rendered"'));
    expect(rendered).not.toContain("<script>alert(1)");
    expect(rendered).not.toContain("javascript:alert");
    expect(rendered).not.toMatch(/onerror=/i);
  });
});

describe("search and filters", () => {
  it("finds a word in a body, filters by status, kind and tag, and pages with a cursor", async () => {
    const token = await createToken(owner, ws, "read", "search");
    await create(ownerToken, { title: "Gardening notes", body: "Tomatoes need sun and patience", tags: ["garden"] });
    await create(ownerToken, { kind: "article", title: "Cooking", body: "Tomato soup with basil", tags: ["food"] });
    const search = async (query: string) => ((await (await api(token, "GET", `/workspaces/${ws}/content?${query}`)).json()) as { items: { title: string }[]; nextCursor: string | null });
    expect((await search("q=patience")).items.map((i) => i.title)).toEqual(["Gardening notes"]);
    expect((await search("q=tomat")).items.map((i) => i.title).sort()).toEqual(["Cooking", "Gardening notes"]);
    expect((await search("q=tomat&kind=article")).items.map((i) => i.title)).toEqual(["Cooking"]);
    expect((await search("q=tomat&tag=garden")).items.map((i) => i.title)).toEqual(["Gardening notes"]);
    expect((await search('q="unbalanced OR')).items).toEqual([]);
    const page1 = await search("limit=2");
    expect(page1.items).toHaveLength(2);
    const page2 = await search(`limit=2&cursor=${encodeURIComponent(page1.nextCursor!)}`);
    expect(page2.items.map((i) => i.title)).not.toContain(page1.items[0]!.title);
    const bad = await api(token, "GET", `/workspaces/${ws}/content?status=lost&cursor=zzz`);
    expect(bad.status).toBe(422);
    const ui = await (await owner.get(`/w/${ws}/content?q=patience`)).text();
    expect(ui).toContain("Gardening notes");
    expect(ui).not.toContain(">Cooking<");
  });
});

describe("approval workflow", () => {
  it("an editor submits, an admin approves, with a timeline, audit rows and notifications", async () => {
    const created = await editor.post(`/w/${ws}/content`, { kind: "post", title: "Editor's post" });
    const itemPath = destination(created)!;
    const id = itemPath.split("/").pop()!;
    await editor.post(`${itemPath}`, { version: "1", title: "Editor's post", body: "Body", "variant.bluesky.text": "Hello Bluesky" });
    const submitted = await editor.post(`${itemPath}/transition`, { action: "submit", comment: "Ready for a look" });
    expect(submitted.status).toBe(303);
    const selfApprove = await editor.post(`${itemPath}/transition`, { action: "approve" });
    expect(selfApprove.status).toBe(403);
    const approved = await api(ownerToken, "POST", `/workspaces/${ws}/content/${id}/transitions`, { action: "approve", comment: "Lovely" });
    expect(approved.status).toBe(200);
    expect(((await approved.json()) as ContentJson).status).toBe("approved");
    const timeline = (await (await api(ownerToken, "GET", `/workspaces/${ws}/content/${id}/timeline`)).json()) as { entries: { kind: string; toStatus: string | null; body: string | null }[] };
    expect(timeline.entries.map((e) => [e.kind, e.toStatus, e.body])).toEqual([
      ["created", "draft", null],
      ["submit", "in_review", "Ready for a look"],
      ["approve", "approved", "Lovely"],
    ]);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target_id = ? ORDER BY id").bind(id).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["content.created", "content.saved", "content.submit", "content.approve"]);
    const ownerNotes = await (await owner.get(`/w/${ws}/notifications`)).text();
    expect(ownerNotes).toContain("asks you to review");
    const editorNotes = await (await editor.get(`/w/${ws}/notifications`)).text();
    expect(editorNotes).toContain("approved");
  });

  it("an illegal transition gets 409 listing the allowed ones", async () => {
    const item = await create(ownerToken, { title: "Fresh" });
    const response = await api(ownerToken, "POST", `/workspaces/${ws}/content/${item.id}/transitions`, { action: "approve" });
    expect(response.status).toBe(409);
    const { error } = (await response.json()) as ErrorJson;
    expect(error.message).toMatch(/submit/);
    expect(error.message).toMatch(/archive/);
  });

  it("a post over a platform's limit cannot be submitted, and says why", async () => {
    const item = await create(ownerToken, { title: "Too long", variants: [{ platform: "x", text: "word ".repeat(80) }] });
    const response = await api(ownerToken, "POST", `/workspaces/${ws}/content/${item.id}/transitions`, { action: "submit" });
    expect(response.status).toBe(422);
    expect(((await response.json()) as ErrorJson).error.message).toMatch(/^Fix these first: x: /);
  });

  it("a comment mentioning a member notifies them", async () => {
    const item = await create(ownerToken, { title: "Mentions" });
    const response = await api(ownerToken, "POST", `/workspaces/${ws}/content/${item.id}/comments`, { body: "What do you think, @eddie?" });
    expect(response.status).toBe(201);
    const rows = await env.DB.prepare("SELECT user_id, kind FROM notifications WHERE content_id = ?").bind(item.id).all();
    expect(rows.results).toEqual([{ user_id: editorId, kind: "mention" }]);
  });
});

describe("calendar", () => {
  it("shows a scheduled item on its day in the workspace's zone, and moves it keeping the wall-clock time across a DST change", async () => {
    await owner.post(`/w/${ws}/settings`, { name: "Studio", timezone: "Europe/Paris", allowSelfApproval: "on" });
    const item = await create(ownerToken, { title: "Autumn post" });
    const year = new Date().getUTCFullYear() + 1;
    for (const action of ["submit", "approve"]) await api(ownerToken, "POST", `/workspaces/${ws}/content/${item.id}/transitions`, { action });
    // 09:00 in Paris on 20 October (summer time, UTC+2) …
    const scheduled = await api(ownerToken, "POST", `/workspaces/${ws}/content/${item.id}/transitions`, { action: "schedule", scheduledAt: `${year}-10-20T09:00:00+02:00` });
    expect(((await scheduled.json()) as ContentJson).scheduledAt).toBe(`${year}-10-20T07:00:00.000Z`);
    const month = await (await owner.get(`/w/${ws}/calendar?view=month&date=${year}-10-01`)).text();
    const cell = month.slice(month.indexOf(`data-day="${year}-10-20"`), month.indexOf(`data-day="${year}-10-21"`));
    expect(cell).toContain("Autumn post");
    expect(cell).toContain("09:00");
    // … moved to 3 November (winter time, UTC+1): still 09:00 in Paris, so 08:00 UTC.
    const moved = await owner.post(`/w/${ws}/calendar/move`, { contentId: item.id, day: `${year}-11-03`, view: "month", date: `${year}-11-01` }, { htmx: true });
    expect(moved.status).toBe(200);
    const row = await env.DB.prepare("SELECT scheduled_at FROM content WHERE id = ?").bind(item.id).first<{ scheduled_at: number }>();
    expect(new Date(row!.scheduled_at).toISOString()).toBe(`${year}-11-03T08:00:00.000Z`);
    expect(await moved.text()).toContain("Autumn post");
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target_id = ? AND action = 'content.rescheduled'").bind(item.id).all();
    expect(audit.results).toHaveLength(1);
    const week = await (await owner.get(`/w/${ws}/calendar?view=week&date=${year}-11-04`)).text();
    expect(week).toContain("Autumn post");
  });

  it("refuses to move an item that is not scheduled", async () => {
    const item = await create(ownerToken, { title: "Just a draft" });
    const response = await owner.post(`/w/${ws}/calendar/move`, { contentId: item.id, day: "2099-01-01" }, { htmx: true });
    expect(response.status).toBe(409);
  });
});

describe("campaigns, templates, calendar and notifications through the API", () => {
  it("creates and lists campaigns and templates, refusing duplicate names", async () => {
    const campaign = await api(ownerToken, "POST", `/workspaces/${ws}/campaigns`, { name: "Spring", description: "Q2 push" });
    expect(campaign.status).toBe(201);
    expect((await api(ownerToken, "POST", `/workspaces/${ws}/campaigns`, { name: "Spring" })).status).toBe(409);
    const { id } = (await campaign.json()) as { id: string };
    const item = await create(ownerToken, { title: "In campaign", campaignId: id });
    const list = (await (await api(ownerToken, "GET", `/workspaces/${ws}/content?campaignId=${id}`)).json()) as { items: { id: string }[] };
    expect(list.items.map((i) => i.id)).toEqual([item.id]);
    const template = await api(ownerToken, "POST", `/workspaces/${ws}/templates`, { name: "Weekly tip", kind: "post", body: "Tip: {{tip}}", platforms: ["x", "mastodon"] });
    expect(template.status).toBe(201);
    const bad = await api(ownerToken, "POST", `/workspaces/${ws}/templates`, { name: "Bad", kind: "post", body: "x", platforms: ["orkut"] });
    expect(bad.status).toBe(422);
    const templates = (await (await api(ownerToken, "GET", `/workspaces/${ws}/templates`)).json()) as { templates: { name: string; platforms: string[] }[] };
    expect(templates.templates).toEqual([expect.objectContaining({ name: "Weekly tip", platforms: ["x", "mastodon"] })]);
  });

  it("lists the calendar by instants and moves an item through the API", async () => {
    await owner.post(`/w/${ws}/settings`, { name: "Studio", timezone: "UTC", allowSelfApproval: "on" });
    const item = await create(ownerToken, { title: "API scheduled" });
    const year = new Date().getUTCFullYear() + 1;
    for (const action of ["submit", "approve"]) await api(ownerToken, "POST", `/workspaces/${ws}/content/${item.id}/transitions`, { action });
    await api(ownerToken, "POST", `/workspaces/${ws}/content/${item.id}/transitions`, { action: "schedule", scheduledAt: `${year}-05-05T10:15:00Z` });
    const range = `from=${year}-05-01T00:00:00Z&to=${year}-06-01T00:00:00Z`;
    const listed = (await (await api(ownerToken, "GET", `/workspaces/${ws}/calendar?${range}`)).json()) as { items: { id: string; local: string }[] };
    expect(listed.items).toEqual([expect.objectContaining({ id: item.id, local: `${year}-05-05T10:15` })]);
    const moved = await api(ownerToken, "POST", `/workspaces/${ws}/calendar/moves`, { contentId: item.id, day: `${year}-05-07`, time: "08:00" });
    expect(await moved.json()).toEqual({ scheduledAt: `${year}-05-07T08:00:00.000Z` });
    expect((await api(ownerToken, "GET", `/workspaces/${ws}/calendar?from=yesterday&to=later`)).status).toBe(422);
  });

  it("lists and clears the token owner's notifications", async () => {
    const item = await create(ownerToken, { title: "Ping" });
    expect((await api(ownerToken, "POST", `/workspaces/${ws}/content/${item.id}/comments`, { body: "@eddie look" })).status).toBe(201);
    // The mention notifies Eddie, not the owner who wrote it; the owner has the review requests.
    const mine = (await (await api(ownerToken, "GET", `/workspaces/${ws}/notifications`)).json()) as { notifications: { kind: string }[] };
    expect(mine.notifications.map((n) => n.kind)).toContain("review_requested");
    expect(mine.notifications.map((n) => n.kind)).not.toContain("mention");
    const read = (await (await api(ownerToken, "POST", `/workspaces/${ws}/notifications/read`)).json()) as { marked: number };
    expect(read.marked).toBeGreaterThan(0);
    const after = (await (await api(ownerToken, "GET", `/workspaces/${ws}/notifications`)).json()) as { notifications: { readAt: string | null }[] };
    expect(after.notifications.every((n) => n.readAt !== null)).toBe(true);
  });
});
