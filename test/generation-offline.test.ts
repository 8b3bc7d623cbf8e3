/**
 * The offline generator on real article text: Readability's test pages (../shared/corpora), whose
 * expected.html is the kind of text source items carry. It must only pick (every sentence it writes
 * is in the source), keep every post within its platform's limits without cutting a word, and give a
 * headline and hashtags. Then the whole flow, offline, through the UI: form, queue, progress, draft.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { measure, PLATFORMS } from "../lib/domain/platforms";
import { OfflineWriter } from "../lib/generation/offline";
import { htmlToText, words } from "../lib/generation/text";
import worker from "../workers/api/index";
import { createWorkspace, destination, signUp } from "./support/client";

const pages = import.meta.glob("../../shared/corpora/readability/test-pages/*/expected.html", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const metadata = import.meta.glob("../../shared/corpora/readability/test-pages/*/expected-metadata.json", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

const squash = (s: string) => s.replace(/\s+/g, " ");

describe("the offline generator on the Readability corpus", () => {
  const cases = Object.entries(pages).map(([path, html]) => {
    const meta = JSON.parse(metadata[path.replace("expected.html", "expected-metadata.json")] ?? "{}") as { title?: string | null };
    return { name: path.split("/").at(-2)!, title: meta.title ?? "", text: htmlToText(html) };
  });

  it("finds the corpus", () => {
    expect(cases.length, "../shared/corpora/readability/test-pages is missing next to this repository").toBeGreaterThan(50);
  });

  it("only picks: every summary sentence is in the source, in the source's order, without repeats", () => {
    let summarised = 0;
    for (const page of cases) {
      const writer = new OfflineWriter({ topic: null, brief: null, sources: [{ title: page.title, text: page.text, url: `https://example.test/${page.name}` }] });
      const summary = writer.summary(5);
      const source = squash(page.text);
      let from = 0;
      for (const sentence of summary) {
        const at = source.indexOf(sentence, from);
        expect(at, `${page.name}: “${sentence}”`).toBeGreaterThanOrEqual(0);
        from = at + sentence.length;
      }
      expect(new Set(summary).size).toBe(summary.length);
      if (summary.length >= 3) summarised++;
      expect(writer.headline(), page.name).toBe(page.title.trim() || writer.headline());
    }
    // Nearly every page has enough prose for a summary.
    expect(summarised / cases.length).toBeGreaterThan(0.85);
  });

  it("keeps every platform's post within its limits and never cuts a word", () => {
    for (const page of cases) {
      const writer = new OfflineWriter({ topic: null, brief: null, sources: [{ title: page.title, text: page.text, url: `https://example.test/${page.name}` }] });
      const known = new Set(words(`${page.title} ${page.text}`));
      for (const platform of PLATFORMS) {
        const post = writer.post(platform);
        const m = measure(platform, post);
        expect(m.ok, `${page.name} on ${platform}: ${m.problems.join("; ")}`).toBe(true);
        const prose = post.replace(/(^|\s)#\S+/g, " ").replace(/https?:\/\/\S+/g, " ");
        for (const word of words(prose)) expect(known.has(word), `${page.name} on ${platform}: “${word}” is not a word of the source`).toBe(true);
      }
    }
  });

  it("gives hashtags as the platforms write them, and an article and a newsletter issue that cite the source", () => {
    for (const page of cases.slice(0, 20)) {
      const writer = new OfflineWriter({ topic: null, brief: null, sources: [{ title: page.title, text: page.text, url: `https://example.test/${page.name}` }] });
      for (const tag of writer.hashtags()) expect(tag.length).toBeGreaterThan(0);
      const article = writer.article();
      expect(article.title).toBe(writer.headline());
      expect(article.body).toContain(`(https://example.test/${page.name})`);
      expect(writer.newsletter().body).toContain(`## ${page.title}`);
    }
  });
});

describe("an offline job through the UI", () => {
  it("runs from the form to a labelled draft, the progress bar polling until done, no provider needed", async () => {
    const owner = await signUp("Olive");
    const ws = await createWorkspace(owner, "Offline Co");
    const sourceId = "src_offline";
    await env.DB.prepare("INSERT INTO sources (id, workspace_id, kind, name, url, next_run_at) VALUES (?, ?, 'feed', 'Seed', 'https://news.test/feed.xml', ?)").bind(sourceId, ws, Date.now()).run();
    const [path, html] = Object.entries(pages).find(([p]) => p.includes("/001/"))!;
    expect(path).toContain("001");
    await env.DB.prepare("INSERT INTO source_items (id, workspace_id, source_id, canonical_url, url, title, content_html, simhash, story_id) VALUES ('itm_off1', ?, ?, 'https://blog.test/a', 'https://blog.test/a', 'Frontend code coverage with Blanket', ?, '0', 'itm_off1')")
      .bind(ws, sourceId, html)
      .run();

    const form = await (await owner.get(`/w/${ws}/generate/new`)).text();
    expect(form).toContain("offline draft");
    expect(form).toContain('value="itm_off1"');
    const body = new URLSearchParams([["kind", "posts"], ["itemIds", "itm_off1"], ["platforms", "x"], ["platforms", "bluesky"], ["platforms", "linkedin"], ["threads", "on"]]);
    const empty = await owner.post(`/w/${ws}/generate`, { kind: "posts" }, { htmx: true });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("choose at least one platform");
    const posted = await postForm(owner, `/w/${ws}/generate`, body);
    expect(posted.status).toBe(303);
    const jobPath = destination(posted)!;
    expect(jobPath).toMatch(/\/generate\/jobs\/gen_[a-z0-9]+$/);
    const jobId = jobPath.split("/").pop()!;

    const queued = await (await owner.get(jobPath)).text();
    expect(queued).toContain('hx-trigger="every 1s"');
    expect(queued).toContain("Queued");

    const batch = createMessageBatch("generate", [{ id: "m1", timestamp: new Date(), attempts: 1, body: { type: "generate", jobId } }]);
    await worker.queue(batch);
    await getQueueResult(batch, createExecutionContext());

    const fragment = await (await owner.get(`${jobPath}/progress`, { htmx: true })).text();
    expect(fragment).not.toContain("hx-trigger");
    expect(fragment).toContain('data-status="done"');
    expect(fragment).toMatch(/<progress id="job-bar" style="width:100%" max="(\d+)" value="\1"/);
    expect(fragment).toContain("offline draft");
    const contentPath = fragment.match(/href="(\/w\/ws_[a-z0-9]+\/content\/cnt_[a-z0-9]+)"/)![1]!;
    const editor = await (await owner.get(contentPath)).text();
    expect(editor).toContain("offline draft");
    const variants = await env.DB.prepare("SELECT platform, text FROM content_variants WHERE workspace_id = ? ORDER BY platform").bind(ws).all<{ platform: string; text: string }>();
    expect(variants.results.map((v) => v.platform)).toEqual(["bluesky", "linkedin", "x"]);
    const item = await env.DB.prepare("SELECT body, kind, status FROM content WHERE workspace_id = ?").bind(ws).first<{ body: string; kind: string; status: string }>();
    expect(item).toMatchObject({ kind: "post", status: "draft" });
    // Threads were asked for: X's and Bluesky's variants carry theirs, LinkedIn (no threads) none.
    const threads = await env.DB.prepare("SELECT platform, thread FROM content_variants WHERE workspace_id = ? ORDER BY platform").bind(ws).all<{ platform: string; thread: string }>();
    expect(threads.results.map((v) => [v.platform, (JSON.parse(v.thread) as string[]).length > 0])).toEqual([["bluesky", true], ["linkedin", false], ["x", true]]);
    expect(item!.body).not.toContain("Thread for");
  });
});

/** A form post with repeated fields (checkboxes), as a browser sends it. */
async function postForm(browser: Awaited<ReturnType<typeof signUp>>, path: string, body: URLSearchParams): Promise<Response> {
  const { exports } = await import("cloudflare:workers");
  const { ORIGIN } = await import("./support/client");
  const headers = new Headers({
    cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
    "x-csrf-token": browser.cookies.get("__Host-csrf") ?? "",
    "sec-fetch-site": "same-origin",
    origin: ORIGIN,
    "content-type": "application/x-www-form-urlencoded",
  });
  return exports.default.fetch(new Request(ORIGIN + path, { method: "POST", headers, body: body.toString(), redirect: "manual" }));
}
