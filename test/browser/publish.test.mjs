import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { startFakePlatforms } from "../../scripts/fake-platforms.mjs";
import { BASE_URL, launch, signUp, uniqueEmail, watchErrors } from "./browser.mjs";

let browser;
let fakes;
/** The first test's page and workspace, which the analytics test carries on with. */
let page;
let ws;
before(async () => {
  browser = await launch();
  fakes = await startFakePlatforms();
});
after(async () => {
  await browser?.close();
  await fakes?.stop();
});

test("connect a (fake) Bluesky account, schedule a post 10 seconds ahead, see it published with its link", async () => {
  page = await (await browser.newContext({ baseURL: BASE_URL })).newPage();
  const errors = watchErrors(page);
  await page.goto("/signup");
  await signUp(page, "Bo Publisher", uniqueEmail("bo"));
  await page.waitForURL(/\/workspaces$/);
  await page.getByLabel("Name").fill("Bo's posts");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await page.waitForURL(/\/w\/ws_[a-z0-9]+$/);
  ws = new URL(page.url()).pathname;
  await page.goto(`${ws}/settings`);
  await page.getByLabel("Time zone").fill("UTC");
  await page.getByLabel("Authors may approve their own content").check();
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator("#flash").getByText(/saved/i).waitFor();

  // Connect the account with an app password.
  await page.goto(`${ws}/accounts`);
  await page.getByLabel("Handle").fill("alice.bsky.test");
  await page.getByLabel("App password").fill("app-pass-word-1234");
  await page.getByLabel("PDS").fill(fakes.blueskyUrl);
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await page.locator("tr", { hasText: "alice.bsky.test" }).getByText("connected").waitFor();

  // Write, submit, approve and schedule a post with a Bluesky variant, 10 seconds from now.
  await page.goto(`${ws}/content`);
  await page.getByText("New content").click();
  await page.getByLabel("Title").fill("Ten seconds");
  await page.getByRole("button", { name: "Create draft" }).click();
  await page.waitForURL(/\/content\/cnt_[a-z0-9]+$/);
  await page.getByText("Bluesky", { exact: true }).click();
  await page.locator("#f-variant-bluesky").fill("Going out at the second asked #scheduling");
  await page.getByRole("button", { name: "Save (version 2)" }).click();
  await page.getByRole("button", { name: "Save (version 3)" }).waitFor();
  for (const action of ["submit", "approve"]) {
    await page.getByRole("button", { name: action, exact: true }).click();
    await page.getByRole("button", { name: action, exact: true }).waitFor({ state: "detached" });
  }
  const due = new Date(Date.now() + 10_000);
  await page.getByLabel(/Publish at/).fill(due.toISOString().slice(0, 19));
  await page.getByRole("button", { name: "schedule", exact: true }).click();
  await page.locator(".status").filter({ hasText: "Scheduled" }).first().waitFor();
  await page.locator("#publications, section", { hasText: "Publications" }).getByText("alice.bsky.test").first().waitFor();

  // It goes out at its second; the page shows it published with a link to the post.
  const link = page.getByRole("link", { name: "view the post" });
  for (let i = 0; i < 40 && !(await link.count()); i++) {
    await page.waitForTimeout(1000);
    await page.reload();
  }
  const href = await link.getAttribute("href");
  assert.match(href, /^https:\/\/bsky\.app\/profile\/alice\.bsky\.test\/post\/[a-z2-7]{13}$/);
  await page.locator(".status").filter({ hasText: "Published" }).first().waitFor();
  const [post] = fakes.bluesky.records.values();
  assert.equal(fakes.bluesky.records.size, 1);
  assert.equal(post.value.text, "Going out at the second asked #scheduling");
  // Not before its time, and within a few seconds of it (the local queue batches for up to a second).
  const publishedAt = Date.parse(post.value.createdAt);
  assert.ok(publishedAt >= due.getTime() - 1000, `published ${publishedAt - due.getTime()} ms before its time`);
  assert.ok(publishedAt <= due.getTime() + 5000, `published ${publishedAt - due.getTime()} ms late`);
  assert.deepEqual(errors, []);
});

test("then its figures: refreshed on the analytics page, drawn as a chart beside a table, and the best-times heatmap", async () => {
  assert.ok(page && ws, "the publishing test ran first");
  const errors = watchErrors(page);
  // People react to the post on (fake) Bluesky.
  const [post] = fakes.bluesky.records.values();
  Object.assign(post.engagement, { likeCount: 7, replyCount: 2, repostCount: 1 });
  await page.goto(`${ws}/analytics`);
  await page.getByRole("button", { name: "Refresh figures now" }).click();
  await page.getByText("Pulling fresh figures for 1 post:").waitFor();
  // The publisher pulls them off its queue; the page shows them once they are in.
  const engagements = page.locator(".stats div", { hasText: "Engagements" }).locator("dd");
  for (let i = 0; i < 30 && (await engagements.textContent()) !== "10"; i++) {
    await page.waitForTimeout(1000);
    await page.reload();
  }
  assert.equal(await engagements.textContent(), "10");
  const chart = page.getByRole("img", { name: /Engagements per day by platform/ });
  await chart.waitFor();
  assert.equal(await chart.locator("polyline").count(), 1);
  assert.equal(await chart.locator("circle").count(), 30);
  await page.locator(".chart-legend").getByText("Bluesky").first().waitFor();
  const byPlatform = page.getByRole("table", { name: "By platform" });
  assert.deepEqual(await byPlatform.locator("tbody tr").first().locator("th, td").allTextContents(), ["Bluesky", "1", "10", "7", "2", "1", "0", "0"]);
  await page.locator("section[aria-labelledby=top]").getByRole("link", { name: "Ten seconds" }).waitFor();
  // A section's CSV downloads as a file (htmx's boost must leave the link alone).
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("section[aria-labelledby=platforms]").getByRole("link", { name: "Download CSV" }).click()]);
  assert.match(download.suggestedFilename(), /^analytics-platforms-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
  assert.match(await readFile(await download.path(), "utf8"), /^name,posts,engagements.*\r\nBluesky,1,10,7,2,1,0,0/s);

  await page.getByRole("link", { name: "Best times to post →" }).click();
  const heatmap = page.getByRole("img", { name: /by weekday and hour/ });
  await heatmap.waitFor();
  assert.equal(await heatmap.locator("rect.heat-cell").count(), 168);
  await page.getByText(/Not enough history yet: 1 published posts/).waitFor();
  assert.deepEqual(errors, []);
});
