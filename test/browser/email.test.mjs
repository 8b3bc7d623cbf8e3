// Email end to end in a real Chromium: subscribe through the public form, confirm by the link in
// the confirmation email, receive a newsletter send from the fake SendGrid, unsubscribe in one click.
// It runs its own `wrangler dev` whose Workers reach a local fake SendGrid (the EMAIL_API_BASE_URL
// variable), so no mail leaves the machine.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startEmailDevServer } from "../../bench/newsletter-send.mjs";
import { serveSendgrid } from "../fakes/sendgrid.ts";
import { launch, signUp, uniqueEmail, watchErrors } from "./browser.mjs";

let browser;
let server;
let sendgrid;

before(async () => {
  sendgrid = await serveSendgrid();
  server = await startEmailDevServer(Number(process.env.EMAIL_BROWSER_TEST_PORT ?? 8798), { EMAIL_API_BASE_URL: sendgrid.url });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sendgrid?.close();
});

async function waitFor(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("subscribe through the public form, confirm by the link, receive a send, unsubscribe in one click", async () => {
  const base = server.baseUrl;
  const apiKey = `SG.browser-${Date.now()}`;
  const owner = await (await browser.newContext({ baseURL: base })).newPage();
  const errors = watchErrors(owner);
  await owner.goto("/signup");
  await signUp(owner, "Nell Newsletter", uniqueEmail("nell"));
  await owner.waitForURL(/\/workspaces$/);
  await owner.getByLabel("Name").fill("Nell's Notes");
  await owner.getByRole("button", { name: "Create workspace" }).click();
  await owner.waitForURL(/\/w\/ws_[a-z0-9]+$/);
  const workspace = new URL(owner.url()).pathname;

  await owner.goto(`${workspace}/newsletters/settings`);
  await owner.getByLabel("API key").fill(apiKey);
  await owner.getByLabel("From address").fill("notes@nell.test");
  await owner.getByLabel("Unsubscribe mailbox (the mailto: in List-Unsubscribe)").fill("unsubscribe@nell.test");
  await owner.getByRole("button", { name: "Save settings" }).click();
  await owner.getByText("Saved and encrypted; leave empty to keep it.").waitFor();

  await owner.goto(`${workspace}/subscribers/lists`);
  await owner.getByLabel("Name", { exact: true }).fill("Weekly notes");
  await owner.getByRole("button", { name: "Create list" }).click();
  await owner.getByRole("heading", { name: /Weekly notes/ }).waitFor();
  const formLink = await owner.getByRole("link", { name: /\/email\/subscribe\/lst_/ }).getAttribute("href");

  // A reader, in their own browser, on the hosted form.
  const reader = await (await browser.newContext({ baseURL: base })).newPage();
  const readerErrors = watchErrors(reader);
  const address = uniqueEmail("reader");
  await reader.goto(formLink);
  await reader.getByLabel("Email", { exact: true }).fill(address);
  await reader.getByLabel("First name (optional)").fill("Rhea");
  await reader.getByRole("checkbox").check();
  await reader.getByRole("button", { name: "Subscribe" }).click();
  await reader.waitForURL(/\/email\/subscribe\//);
  await reader.waitForLoadState();
  assert.equal(await reader.locator("h1").textContent(), "Check your inbox", await reader.locator("body").textContent());

  const confirmation = await waitFor("the confirmation email", () => sendgrid.messages(apiKey).find((m) => m.to === address));
  assert.match(confirmation.subject, /confirm your subscription to Weekly notes/);
  const confirmLink = confirmation.text.match(/http:\/\/localhost:\d+\/email\/confirm\/\S+/)[0];
  await reader.goto(confirmLink);
  await reader.getByRole("button", { name: "Yes, subscribe me" }).click();
  await reader.getByRole("heading", { name: "You are subscribed" }).waitFor();

  // The owner writes a newsletter and sends it to the list; the progress bar fills by itself.
  await owner.goto(`${workspace}/newsletters`);
  await owner.getByLabel("Subject", { exact: true }).fill("Notes for {{first_name|you}}");
  await owner.getByRole("button", { name: "Create newsletter" }).click();
  await owner.waitForURL(/\/newsletters\/nwl_[a-z0-9]+$/);
  await owner.locator("#f-listId").selectOption({ label: "Weekly notes" });
  await owner.getByRole("button", { name: "Send", exact: true }).click();
  await owner.waitForURL(/\/newsletters\/sends\/snd_[a-z0-9]+$/);
  await owner
    .getByText("100% · 1 sent of 1")
    .waitFor({ timeout: 60_000 })
    .catch(async (error) => {
      throw new Error(`${error.message}\npage: ${await owner.locator("main").textContent()}\n--- wrangler dev ---\n${server.output.log.slice(-4000)}`);
    });

  const issue = await waitFor("the newsletter", () => sendgrid.messages(apiKey).find((m) => m.to === address && m.subject === "Notes for Rhea"));
  assert.equal(issue.headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
  assert.match(issue.headers["List-Unsubscribe"], /^<http:\/\/localhost:\d+\/email\/unsubscribe\/[\w.-]+>, <mailto:unsubscribe@nell\.test\?subject=unsubscribe-sub_\w+>$/);
  assert.match(issue.text, /Hello Rhea,/);

  // One click on the link in the email, no login.
  const unsubscribeLink = issue.text.match(/Unsubscribe: (\S+)/)[1];
  await reader.goto(unsubscribeLink);
  await reader.getByRole("button", { name: "Unsubscribe" }).click();
  await reader.getByRole("heading", { name: "You are unsubscribed" }).waitFor();

  await owner.goto(`${workspace}/subscribers?status=unsubscribed`);
  await owner.getByRole("link", { name: address }).waitFor();
  assert.deepEqual([...errors, ...readerErrors], [], `browser errors: ${[...errors, ...readerErrors].join("\n")}`);
});
