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

test("an editor writes a post and submits it, an admin approves it, it is scheduled and appears on the calendar", async () => {
  const owner = await (await browser.newContext({ baseURL: BASE_URL })).newPage();
  const ownerErrors = watchErrors(owner);
  await owner.goto("/signup");
  await signUp(owner, "Ola Owner", uniqueEmail("ola"));
  await owner.waitForURL(/\/workspaces$/);
  await owner.getByLabel("Name").fill("Weekly Post Co");
  await owner.getByRole("button", { name: "Create workspace" }).click();
  await owner.waitForURL(/\/w\/ws_[a-z0-9]+$/);
  const ws = new URL(owner.url()).pathname;
  await owner.goto(`${ws}/members`);
  await owner.locator("#f-role").selectOption("editor");
  await owner.getByRole("button", { name: "Create invitation link" }).click();
  const link = await owner.locator("input.invite-link").first().inputValue();

  const editor = await (await browser.newContext({ baseURL: BASE_URL })).newPage();
  const editorErrors = watchErrors(editor);
  await editor.goto(`/signup?next=${encodeURIComponent(new URL(link).pathname)}`);
  await signUp(editor, "Eli Editor", uniqueEmail("eli"));
  await editor.getByRole("button", { name: "Accept and join" }).click();
  await editor.waitForURL((url) => url.pathname === ws);

  // The editor writes a post with a Bluesky variant; the counter follows the typing.
  await editor.goto(`${ws}/content`);
  await editor.getByText("New content").click();
  await editor.getByLabel("Title").fill("Spring launch");
  await editor.getByRole("button", { name: "Create draft" }).click();
  await editor.waitForURL(/\/content\/cnt_[a-z0-9]+$/);
  const itemPath = new URL(editor.url()).pathname;
  await editor.getByText("Bluesky", { exact: true }).click();
  await editor.locator("#f-variant-bluesky").fill("Our spring launch is here 🌱");
  await editor.locator("#count-bluesky").filter({ hasText: "27 / 300" }).waitFor();
  await editor.getByRole("button", { name: "Save (version 2)" }).click();
  // The saved page comes back with the next version number on the button.
  await editor.getByRole("button", { name: "Save (version 3)" }).waitFor();
  await editor.locator("#count-bluesky").filter({ hasText: "27 / 300" }).waitFor();
  await editor.getByLabel("Comment for the timeline (optional)").fill("Ready when you are");
  await editor.getByRole("button", { name: "submit" }).click();
  await editor.locator(".status").filter({ hasText: "In review" }).first().waitFor();

  // The owner finds it in the review queue and approves it.
  await owner.goto(`${ws}/review`);
  await owner.getByRole("link", { name: "Spring launch" }).click();
  await owner.waitForURL((url) => url.pathname === itemPath);
  await owner.getByRole("button", { name: "approve" }).click();
  await owner.locator(".status").filter({ hasText: "Approved" }).first().waitFor();

  // The editor schedules it for next month at 09:30 and finds it on the calendar.
  const now = new Date();
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 12));
  const day = next.toISOString().slice(0, 10);
  await editor.reload();
  await editor.getByLabel(/Publish at/).fill(`${day}T09:30`);
  await editor.getByRole("button", { name: "schedule" }).click();
  await editor.locator(".status").filter({ hasText: "Scheduled" }).first().waitFor();
  await editor.goto(`${ws}/calendar?view=month&date=${day}`);
  const cell = editor.locator(`[data-day="${day}"]`);
  await cell.getByText("Spring launch").waitFor();
  assert.match(await cell.innerText(), /09:30/);

  assert.deepEqual(ownerErrors, []);
  assert.deepEqual(editorErrors, []);
});
