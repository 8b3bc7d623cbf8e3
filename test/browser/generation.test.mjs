import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { root } from "../../scripts/lib.mjs";
import { BASE_URL, launch, signUp, uniqueEmail, watchErrors } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * The local state of the `wrangler dev` these tests run against: STATE_DIR when the runner passes
 * it, else the newest throwaway state directory the runner made (scripts/dev-server.mjs).
 */
function stateDir() {
  if (process.env.STATE_DIR) return process.env.STATE_DIR;
  const dirs = readdirSync(tmpdir())
    .filter((d) => d.startsWith("content-engine-"))
    .map((d) => join(tmpdir(), d))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  assert.ok(dirs[0], "no wrangler dev state directory found");
  return dirs[0];
}

/** Items a source found in the last hours, as the scraper would have stored them: enough for a trend. */
function seedTrend(workspaceId) {
  const now = Date.now();
  const sourceId = `src_browser${now}`;
  const rows = [0, 1, 2, 3].map((i) => {
    const id = `itm_browser${now}${i}`;
    const title = ["Lyon tram line opens to riders", "Lyon tram opening draws crowds", "Lyon tram line: what changes for commuters", "Lyon tram fares announced"][i];
    const html = `<p>${title}. The new line links the old town to the eastern districts with twelve stations. City officials said trams will run every six minutes at peak hours. Commuters welcomed the shorter journeys across the river.</p>`;
    return `('${id}', '${workspaceId}', '${sourceId}', 'https://news.example/${id}', 'https://news.example/${id}', '${title.replace(/'/g, "''")}', '${html}', '0', '${id}', ${now - i * 600_000}, ${now - i * 600_000})`;
  });
  const sql = [
    `INSERT INTO sources (id, workspace_id, kind, name, url, next_run_at, paused) VALUES ('${sourceId}', '${workspaceId}', 'feed', 'City news', 'https://news.example/feed.xml', ${now + 86_400_000}, 1);`,
    `INSERT INTO source_items (id, workspace_id, source_id, canonical_url, url, title, content_html, simhash, story_id, created_at, published_at) VALUES ${rows.join(", ")};`,
  ].join("\n");
  execFileSync("npx", ["wrangler", "d1", "execute", "DB", "--local", "--persist-to", stateDir(), "-c", "wrangler.toml", "--command", sql], { cwd: root, stdio: "pipe" });
}

test("from a trend, draft posts for three platforms offline, watch the progress to the end, edit one, submit it for review", async () => {
  const page = await (await browser.newContext({ baseURL: BASE_URL })).newPage();
  const errors = watchErrors(page);
  await page.goto("/signup");
  await signUp(page, "Gia Generator", uniqueEmail("gia"));
  await page.waitForURL(/\/workspaces$/);
  await page.getByLabel("Name").fill("Tram News");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await page.waitForURL(/\/w\/ws_[a-z0-9]+$/);
  const ws = new URL(page.url()).pathname;
  seedTrend(ws.split("/")[2]);

  await page.goto(`${ws}/trends`);
  const row = page.locator("tr", { hasText: "lyon" }).first();
  await row.getByRole("button", { name: "Draft content from this" }).click();
  await page.waitForURL(/\/generate\/new\?topic=/);
  // The topic's items come along, chosen; no provider is set up, so this will be an offline draft.
  assert.equal(await page.locator('input[name="itemIds"]:checked').count(), 4);
  await page.getByText("offline draft").first().waitFor();
  for (const platform of ["X", "Bluesky", "LinkedIn"]) await page.getByLabel(platform, { exact: true }).check();
  await page.getByRole("button", { name: "Generate" }).click();
  await page.waitForURL(/\/generate\/jobs\/gen_[a-z0-9]+$/);

  // The progress bar is polled until the job is done: queued first, then every step, then done.
  const progress = page.locator("#job-progress");
  await progress.and(page.locator('[data-status="done"]')).waitFor({ timeout: 60_000 });
  const bar = page.locator("#job-bar");
  assert.equal(await bar.getAttribute("value"), await bar.getAttribute("max"));
  assert.equal(await bar.getAttribute("max"), "4");
  await page.getByText("Written by the built-in offline generator").waitFor();
  await page.getByRole("link", { name: "Open the draft" }).click();
  await page.waitForURL(/\/content\/cnt_[a-z0-9]+$/);

  // Three variants, each within its limit; the X post is edited and the draft submitted for review.
  for (const id of ["x", "bluesky", "linkedin"]) assert.ok((await page.locator(`#f-variant-${id}`).inputValue()).length > 20, id);
  await page.locator("#f-variant-x").fill("Lyon's new tram line opens today: twelve stations, a tram every six minutes at peak. #Lyon");
  await page.locator("#count-x").filter({ hasText: "/ 280" }).waitFor();
  await page.getByRole("button", { name: /^Save \(version \d+\)$/ }).click();
  await page.getByRole("button", { name: "Save (version 3)" }).waitFor();
  assert.match(await page.locator("#f-variant-x").inputValue(), /twelve stations, a tram every six minutes/);
  await page.getByRole("button", { name: "submit" }).click();
  await page.locator(".status").filter({ hasText: "In review" }).first().waitFor();
  assert.deepEqual(errors, []);
});
