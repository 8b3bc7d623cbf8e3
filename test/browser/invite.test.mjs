import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE_URL, launch, signUp, uniqueEmail, watchErrors } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("sign up, create a workspace, invite a member, accept the invitation as that member", async () => {
  const owner = await (await browser.newContext({ baseURL: BASE_URL })).newPage();
  const errors = watchErrors(owner);

  await owner.goto("/");
  await owner.waitForURL(/\/signup$/);
  await signUp(owner, "Olivia Owner", uniqueEmail("olivia"));
  await owner.waitForURL(/\/workspaces$/);

  await owner.getByLabel("Name").fill("Olivia's Newsletter");
  await owner.getByRole("button", { name: "Create workspace" }).click();
  await owner.waitForURL(/\/w\/ws_[a-z0-9]+$/);
  await owner.getByRole("heading", { name: "Olivia's Newsletter" }).waitFor();
  const workspacePath = new URL(owner.url()).pathname;

  await owner.goto(`${workspacePath}/members`);
  await owner.locator("#f-role").selectOption("editor");
  await owner.getByRole("button", { name: "Create invitation link" }).click();
  // htmx swaps the invitations section in place: the page does not reload.
  const link = await owner.locator("input.invite-link").first().inputValue();
  assert.match(link, /\/invite\/[\w-]+\.[\w-]+\.[\w-]+$/);

  const memberContext = await browser.newContext({ baseURL: BASE_URL });
  const member = await memberContext.newPage();
  await member.goto(link);
  await member.waitForURL(/\/login\?next=%2Finvite%2F/);
  await member.getByRole("link", { name: "Create an account" }).click();
  await member.getByRole("heading", { name: "Create your account" }).waitFor();
  assert.match(member.url(), /\/signup\?next=%2Finvite%2F/);
  await signUp(member, "Milo Member", uniqueEmail("milo"));
  await member.waitForURL(/\/invite\/[\w.-]+$/);
  await member.getByText("You have been invited as editor").waitFor();
  await member.getByRole("button", { name: "Accept and join" }).click();
  await member.waitForURL((url) => url.pathname === workspacePath);
  await member.getByRole("heading", { name: "Olivia's Newsletter" }).waitFor();

  await owner.goto(`${workspacePath}/members`);
  const row = owner.locator("tr", { hasText: "Milo Member" });
  await row.waitFor();
  assert.equal(await row.locator("select").inputValue(), "editor");
  assert.deepEqual(errors, [], `browser errors: ${errors.join("\n")}`);
});

test("the API docs render from our own origin", async () => {
  const page = await (await browser.newContext({ baseURL: BASE_URL })).newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  const outside = [];
  page.on("request", (request) => {
    if (!request.url().startsWith(BASE_URL) && !request.url().startsWith("data:")) outside.push(request.url());
  });
  await page.goto("/api/docs");
  await page.getByText("Content Engine API").first().waitFor({ timeout: 20_000 });
  // The operations come from /api/v1/openapi.json, so their presence proves the spec loaded.
  await page.getByText("Who the token acts as", { exact: false }).first().waitFor({ timeout: 20_000 });
  assert.deepEqual(errors, []);
  assert.deepEqual(outside, [], `requests left our origin: ${outside.join(", ")}`);
});
