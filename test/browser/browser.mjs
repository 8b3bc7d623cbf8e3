import chromium from "@sparticuz/chromium";
import { chromium as playwright } from "playwright-core";

/**
 * A headless Chromium: CHROME_PATH when set (macOS, Debian's chromium), else the one packed in
 * @sparticuz/chromium. Its recommended `chromium.args` are for AWS Lambda and are not used: they
 * include --single-process (browser contexts then share cookies, so two "people" become one) and
 * --disable-web-security (which would hide CSP and same-origin mistakes).
 */
export async function launch() {
  const executablePath = process.env.CHROME_PATH || (await chromium.executablePath());
  return playwright.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"], headless: true });
}

export const BASE_URL = process.env.BASE_URL ?? "http://localhost:8787";

export const uniqueEmail = (name) => `${name}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;

/** Fills and submits the sign-up form on the current page. */
export async function signUp(page, name, email) {
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
}

/** Collects uncaught page errors and console errors, so a test can assert there were none. */
export function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
  return errors;
}
