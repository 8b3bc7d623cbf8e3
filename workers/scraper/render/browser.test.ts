import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { FetchRefused } from "../../../lib/http/safe-fetch";
import { ARTICLE } from "../../../test/fakes/js-site-article";
import { runSource } from "../sources/run";
import { renderPage } from "./browser";

// A real Chromium (scripts/local-browser.mjs) behind the real BROWSER binding, rendering a page on
// this machine that shows its article only after JavaScript runs (test/fakes/js-site.ts).
const origin = inject("jsSiteOrigin");
const loopback = { allowLoopback: true };
const noWait = { sleep: async () => {} };

describe("rendering a page in the browser", () => {
  it("reads the DOM after the page's scripts ran", async () => {
    const page = await renderPage(env.BROWSER, `${origin}/app`, loopback);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`<h1>${ARTICLE.title}</h1>`);
    expect(page.html).toContain(ARTICLE.paragraphs[3]);
  });

  it("refuses what the page asks of private and metadata addresses, even with loopback allowed", async () => {
    const page = await renderPage(env.BROWSER, `${origin}/app`, loopback);
    expect(page.refused).toEqual(expect.arrayContaining(["http://10.1.2.3/track.js", "http://169.254.169.254/latest/meta-data/"]));
  });

  it("refuses a redirect to a private address", async () => {
    const render = renderPage(env.BROWSER, `${origin}/to-private`, loopback);
    await expect(render).rejects.toThrow(FetchRefused);
    await expect(render).rejects.toThrow(/10\.0\.0\.5/);
  });

  it("refuses this machine unless a test allows it", async () => {
    await expect(renderPage(env.BROWSER, `${origin}/app`)).rejects.toThrow(FetchRefused);
  });
});

describe("a source that needs JavaScript", () => {
  const ws = "ws_render";
  beforeAll(async () => {
    await env.DB.prepare("INSERT INTO workspaces (id, name) VALUES (?, 'Rendering')").bind(ws).run();
  });
  async function addPage(id: string, needsJs: boolean) {
    await env.DB.prepare("INSERT INTO sources (id, workspace_id, kind, name, url, next_run_at, needs_js) VALUES (?, ?, 'page', ?, ?, ?, ?)")
      .bind(id, ws, id, `${origin}/app`, Date.now(), needsJs ? 1 : 0)
      .run();
  }
  const health = (id: string) => env.DB.prepare("SELECT failures, last_error, items_found FROM sources WHERE id = ?").bind(id).first();

  it("is read through the browser, so its article is found", async () => {
    await addPage("src_js", true);
    expect(await runSource(env, "src_js", { ...noWait, ...loopback })).toEqual({ status: "ok", added: 1 });
    const item = await env.DB.prepare("SELECT title, author, content_html FROM source_items WHERE source_id = 'src_js'").first<{ title: string; author: string; content_html: string }>();
    expect(item!.title).toBe(ARTICLE.title);
    expect(item!.content_html).toContain(ARTICLE.paragraphs[0]);
  });

  it("without the browser, the same page has no article", async () => {
    await addPage("src_plain", false);
    const result = await runSource(env, "src_plain", { ...noWait, ...loopback });
    expect(result).toMatchObject({ status: "failed", error: expect.stringContaining("No article found on this page (if it needs JavaScript") });
  });

  it("on this machine, is refused by default and the refusal shows in its health", async () => {
    await addPage("src_local", true);
    const result = await runSource(env, "src_local", noWait);
    expect(result.status).toBe("failed");
    expect(await health("src_local")).toMatchObject({ failures: 1, last_error: expect.stringMatching(/^Refused: 127\.0\.0\.1 is/), items_found: 0 });
  });
});
