import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, api, Browser, createToken, createWorkspace, ORIGIN, signUp } from "./support/client";

let owner: Browser;
let ws: string;
let token: string;
let viewer: Browser;

type SourceJson = { id: string; kind: string; url: string; name: string; paused: boolean; health: { failures: number; nextRunAt: string } };
type ErrorJson = { error: { code: string; message: string; fields?: Record<string, string> } };

beforeAll(async () => {
  owner = await signUp("Sol");
  ws = await createWorkspace(owner, "Listening Co");
  token = await createToken(owner, ws, "write");
  viewer = await signUp("Val");
  await addMember(owner, ws, viewer, "viewer");
});

const add = (body: Record<string, unknown>) => api(token, "POST", `/workspaces/${ws}/sources`, body);

describe("sources", () => {
  it("turns each kind's input into the URL the scraper fetches", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: "feed", url: "https://blog.example.com/feed.xml" }, "https://blog.example.com/feed.xml"],
      [{ kind: "reddit", query: "r/selfhosted" }, "https://www.reddit.com/r/selfhosted/new.json?limit=50"],
      [{ kind: "hackernews", query: "best" }, "https://hacker-news.firebaseio.com/v0/beststories.json"],
      [{ kind: "youtube", query: "UC_x5XG1OV2P6uZZ5FSM9Ttw" }, "https://www.youtube.com/feeds/videos.xml?channel_id=UC_x5XG1OV2P6uZZ5FSM9Ttw"],
      [{ kind: "google_trends", query: "fr" }, "https://trends.google.com/trending/rss?geo=FR"],
    ];
    for (const [input, url] of cases) {
      const response = await add(input);
      expect(response.status, JSON.stringify(input)).toBe(201);
      expect(((await response.json()) as SourceJson).url).toBe(url);
    }
  });

  it("refuses private, internal and non-http URLs and bad queries, naming the field, writing nothing", async () => {
    const before = (await env.DB.prepare("SELECT COUNT(*) AS n FROM sources").first<{ n: number }>())!.n;
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: "feed", url: "http://10.0.0.1/feed" }, "url"],
      [{ kind: "feed", url: "http://localhost:8787/feed" }, "url"],
      [{ kind: "page", url: "http://[::1]/" }, "url"],
      [{ kind: "feed", url: "file:///etc/passwd" }, "url"],
      [{ kind: "feed" }, "url"],
      [{ kind: "reddit", query: "not a sub!" }, "query"],
      [{ kind: "youtube", query: "someone" }, "query"],
      [{ kind: "google_trends", query: "France" }, "query"],
      [{ kind: "feed", url: "https://ok.example/feed", intervalMinutes: 1 }, "intervalMinutes"],
      [{ kind: "telepathy" }, "kind"],
      [{ kind: "feed", url: "https://ok.example/feed", needsJs: true }, "needsJs"],
      [{ kind: "page", url: "https://ok.example/app", needsJs: "yes" }, "needsJs"],
    ];
    for (const [input, field] of cases) {
      const response = await add(input);
      expect(response.status, JSON.stringify(input)).toBe(422);
      expect(Object.keys(((await response.json()) as ErrorJson).error.fields ?? {}), JSON.stringify(input)).toContain(field);
    }
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM sources").first<{ n: number }>())!.n).toBe(before);
  });

  it("pauses, resumes (forgiving failures), runs now through the queue, and deletes", async () => {
    const source = (await (await add({ kind: "feed", url: "https://news.example.org/rss" })).json()) as SourceJson;
    await env.DB.prepare("UPDATE sources SET failures = 4 WHERE id = ?").bind(source.id).run();
    const paused = (await (await api(token, "PATCH", `/workspaces/${ws}/sources/${source.id}`, { paused: true })).json()) as SourceJson;
    expect(paused.paused).toBe(true);
    expect((await api(token, "POST", `/workspaces/${ws}/sources/${source.id}/runs`)).status).toBe(409);
    const resumed = (await (await api(token, "PATCH", `/workspaces/${ws}/sources/${source.id}`, { paused: false })).json()) as SourceJson;
    expect(resumed).toMatchObject({ paused: false, health: { failures: 0 } });
    expect((await api(token, "POST", `/workspaces/${ws}/sources/${source.id}/runs`)).status).toBe(202);
    const page = await (await owner.get(`/w/${ws}/sources`)).text();
    expect(page).toContain("news.example.org");
    expect((await owner.post(`/w/${ws}/sources/${source.id}/delete`, {}, { htmx: true })).status).toBe(200);
    expect((await api(token, "GET", `/workspaces/${ws}/sources`)).status).toBe(200);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target_id = ? ORDER BY id").bind(source.id).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["source.created", "source.paused", "source.resumed", "source.deleted"]);
  });

  it("shows a failing source's real error in the UI", async () => {
    const source = (await (await add({ kind: "feed", url: "https://down.example/feed" })).json()) as SourceJson;
    await env.DB.prepare("UPDATE sources SET failures = 2, last_error = 'down.example answered 503' WHERE id = ?").bind(source.id).run();
    const page = await (await owner.get(`/w/${ws}/sources`)).text();
    expect(page).toContain("failing ×2: down.example answered 503");
  });

  it("a viewer sees sources but cannot change them; another workspace gets 404", async () => {
    const source = (await (await add({ kind: "feed", url: "https://v.example/feed" })).json()) as SourceJson;
    expect((await viewer.get(`/w/${ws}/sources`)).status).toBe(200);
    expect((await viewer.post(`/w/${ws}/sources`, { kind: "feed", url: "https://x.example/" })).status).toBe(403);
    expect((await viewer.post(`/w/${ws}/sources/${source.id}/pause`)).status).toBe(403);
    const other = await signUp("Oz");
    const otherWs = await createWorkspace(other, "Other");
    const otherToken = await createToken(other, otherWs, "write");
    for (const [method, path, body] of [
      ["PATCH", `/workspaces/${otherWs}/sources/${source.id}`, { paused: true }],
      ["DELETE", `/workspaces/${otherWs}/sources/${source.id}`],
      ["POST", `/workspaces/${otherWs}/sources/${source.id}/runs`],
      ["GET", `/workspaces/${ws}/sources`],
      ["GET", `/workspaces/${ws}/items`],
    ] as [string, string, unknown?][]) {
      expect((await api(otherToken, method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    for (const path of ["pause", "resume", "run", "delete"]) expect((await other.post(`/w/${otherWs}/sources/${source.id}/${path}`)).status, path).toBe(404);
    expect((await other.get(`/w/${ws}/sources`)).status).toBe(404);
    expect((await env.DB.prepare("SELECT paused FROM sources WHERE id = ?").bind(source.id).first<{ paused: number }>())!.paused).toBe(0);
  });
});

describe("trends", () => {
  it("ranks a burst of items as a topic with a sparkline, and drafts content from it", async () => {
    const source = (await (await add({ kind: "feed", url: "https://trend.example/feed" })).json()) as SourceJson;
    const now = Date.now();
    const statements = Array.from({ length: 5 }, (_, i) =>
      env.DB.prepare("INSERT INTO source_items (id, workspace_id, source_id, canonical_url, url, title, simhash, story_id, created_at, published_at) VALUES (?, ?, ?, ?, ?, ?, '0', ?, ?, ?)").bind(
        `itm_t${i}`,
        ws,
        source.id,
        `https://trend.example/${i}`,
        `https://trend.example/${i}`,
        `Aurora borealis seen far south ${i}`,
        `itm_t${i}`,
        now,
        now - i * 1_800_000,
      ),
    );
    await env.DB.batch(statements);
    const page = await (await owner.get(`/w/${ws}/trends`)).text();
    expect(page).toContain("aurora");
    const points = page.match(/<polyline points="([^"]+)"/)![1]!.split(" ");
    expect(points).toHaveLength(24);
    const listed = (await (await api(token, "GET", `/workspaces/${ws}/trends`)).json()) as { topics: { term: string; mentions: number }[] };
    expect(listed.topics[0]).toMatchObject({ term: "aurora", mentions: 5 });
    const drafted = await owner.post(`/w/${ws}/trends/draft`, { term: "aurora" });
    expect(drafted.status).toBe(303);
    const contentId = drafted.headers.get("location")!.split("/").pop()!;
    const draft = (await (await api(token, "GET", `/workspaces/${ws}/content/${contentId}`)).json()) as { title: string; body: string; status: string };
    expect(draft).toMatchObject({ title: "Draft: aurora", status: "draft" });
    expect(draft.body).toContain("https://trend.example/0");
    expect((await owner.post(`/w/${ws}/trends/draft`, { term: "nothing-like-this" }, { htmx: true })).status).toBe(404);
    const other = await signUp("Tia");
    const otherWs = await createWorkspace(other, "Else");
    expect((await other.get(`/w/${ws}/trends`)).status).toBe(404);
    expect((await other.post(`/w/${ws}/trends/draft`, { term: "aurora" })).status).toBe(404);
    expect(await (await other.get(`/w/${otherWs}/trends`)).text()).not.toContain("aurora");
  });
});

describe("OPML", () => {
  it("imports every feed it can, reports each one it cannot, and exports them back", async () => {
    const opml = `<?xml version="1.0"?><opml version="2.0"><head><title>Mine</title></head><body>
      <outline text="Tech"><outline type="rss" text="Alpha" xmlUrl="https://alpha.example/feed.xml"/><outline type="rss" text="Inside" xmlUrl="http://192.168.0.10/feed"/></outline>
      <outline type="rss" text="Beta" xmlUrl="https://beta.example/rss"/><outline type="rss" text="Alpha again" xmlUrl="https://alpha.example/feed.xml"/></body></opml>`;
    const form = new FormData();
    form.append("file", new File([opml], "subs.opml"));
    const headers = { cookie: [...owner.cookies].map(([k, v]) => `${k}=${v}`).join("; "), "x-csrf-token": owner.cookies.get("__Host-csrf")!, "sec-fetch-site": "same-origin", origin: ORIGIN };
    const response = await exports.default.fetch(new Request(`${ORIGIN}/w/${ws}/sources/opml`, { method: "POST", headers, body: form }));
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("2 feeds added.");
    expect(page).toContain("192.168.0.10/feed</code>: must point at a public host");
    // A feed listed twice in one file is one feed; importing the file again adds nothing.
    const again = new FormData();
    again.append("file", new File([opml], "subs.opml"));
    const second = await (await exports.default.fetch(new Request(`${ORIGIN}/w/${ws}/sources/opml`, { method: "POST", headers, body: again }))).text();
    expect(second).toContain("0 feeds added.");
    expect(second).toContain("alpha.example/feed.xml</code>: already a source");
    const exported = await (await owner.get(`/w/${ws}/sources.opml`)).text();
    expect(exported).toContain('xmlUrl="https://alpha.example/feed.xml"');
    expect(exported).toContain('xmlUrl="https://beta.example/rss"');
    const bad = new FormData();
    bad.append("file", new File(["<html>nope</html>"], "x.opml"));
    const refused = await exports.default.fetch(new Request(`${ORIGIN}/w/${ws}/sources/opml`, { method: "POST", headers: { ...headers, "hx-request": "true" }, body: bad }));
    expect(refused.status).toBe(422);
  });
});
