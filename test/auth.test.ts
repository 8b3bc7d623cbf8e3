import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Browser, destination, PASSWORD, signUp, uniqueEmail } from "./support/client";

async function signedIn(browser: Browser): Promise<boolean> {
  const response = await browser.get("/workspaces");
  return response.status === 200;
}

describe("sign-up", () => {
  it("creates the account with a hashed password and signs the browser in", async () => {
    const email = uniqueEmail("grace");
    const browser = new Browser();
    const response = await browser.post("/signup", { name: "Grace", email: email.toUpperCase(), password: PASSWORD });
    expect(response.status).toBe(303);
    expect(destination(response)).toBe("/workspaces");
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith("__Host-session="))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    const row = await env.DB.prepare("SELECT email, password_hash FROM users WHERE email = ?").bind(email).first<{ email: string; password_hash: string }>();
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[\w-]{22}\$[\w-]{43}$/);
    expect(row?.password_hash).not.toContain(PASSWORD);
    expect(await signedIn(browser)).toBe(true);
  });

  it("refuses a duplicate email, whatever its case, and writes nothing", async () => {
    const first = await signUp("Ada");
    const again = await new Browser().post("/signup", { name: "Other", email: first.email.toUpperCase(), password: PASSWORD });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already exists");
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE email = ?").bind(first.email).first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("names each invalid field", async () => {
    const response = await new Browser().post("/signup", { name: "", email: "not-an-email", password: "short" }, { htmx: true });
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain("name: is required");
    expect(html).toContain("email: must be a valid email address");
    expect(html).toContain("password: must be at least 10 characters");
    expect(response.headers.get("hx-retarget")).toBe("#flash");
  });
});

describe("log-in and log-out", () => {
  it("logs in with the right password only", async () => {
    const { email } = await signUp("Lin");
    const wrong = await new Browser().post("/login", { email, password: "wrong password!" });
    expect(wrong.status).toBe(401);
    const browser = new Browser();
    const right = await browser.post("/login?next=/account", { email, password: PASSWORD });
    expect(right.status).toBe(303);
    expect(destination(right)).toBe("/account");
    expect(await signedIn(browser)).toBe(true);
  });

  it("never redirects off-site after login", async () => {
    const { email } = await signUp("Off");
    const response = await new Browser().post("/login?next=//evil.example/x", { email, password: PASSWORD });
    expect(destination(response)).toBe("/");
  });

  it("logout revokes the session server-side, not just the cookie", async () => {
    const browser = await signUp("Leo");
    const stolen = browser.cookies.get("__Host-session")!;
    const response = await browser.post("/logout");
    expect(destination(response)).toBe("/login");
    expect(await signedIn(browser)).toBe(false);
    const thief = new Browser();
    thief.cookies.set("__Host-session", stolen);
    expect(await signedIn(thief)).toBe(false);
  });

  it("refuses a tampered or unsigned session token", async () => {
    const browser = await signUp("Tam");
    const [header, payload] = browser.cookies.get("__Host-session")!.split(".");
    const unsigned = new Browser();
    unsigned.cookies.set("__Host-session", `${btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "")}.${payload}.`);
    expect(await signedIn(unsigned)).toBe(false);
    const forged = new Browser();
    forged.cookies.set("__Host-session", `${header}.${payload}.${"A".repeat(43)}`);
    expect(await signedIn(forged)).toBe(false);
  });

  it("sends a signed-out browser to log in and back", async () => {
    const response = await new Browser().get("/workspaces");
    expect(response.status).toBe(303);
    expect(destination(response)).toBe("/login?next=%2Fworkspaces");
  });
});

describe("password change", () => {
  it("needs the current password, then revokes every other session and keeps this one", async () => {
    const laptop = await signUp("Pat");
    const phone = new Browser();
    await phone.post("/login", { email: laptop.email, password: PASSWORD });
    expect(await signedIn(phone)).toBe(true);

    const refused = await laptop.post("/account/password", { current: "not it at all", next: "a brand new password" });
    expect(refused.status).toBe(422);

    const changed = await laptop.post("/account/password", { current: PASSWORD, next: "a brand new password" });
    expect(changed.status).toBe(303);
    expect(await signedIn(laptop)).toBe(true);
    expect(await signedIn(phone)).toBe(false);

    expect((await new Browser().post("/login", { email: laptop.email, password: PASSWORD })).status).toBe(401);
    expect((await new Browser().post("/login", { email: laptop.email, password: "a brand new password" })).status).toBe(303);
  });
});

describe("login throttling", () => {
  it("blocks an email after 10 failures in 15 minutes, even with the right password, and says when to retry", async () => {
    const { email } = await signUp("Tia");
    for (let i = 0; i < 10; i++) {
      const response = await new Browser().post("/login", { email, password: `wrong-${i}-password` }, { headers: { "cf-connecting-ip": `203.0.113.${i}` } });
      expect(response.status).toBe(401);
    }
    const blocked = await new Browser().post("/login", { email, password: PASSWORD }, { headers: { "cf-connecting-ip": "198.51.100.7" } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(800);
    expect(await blocked.text()).toContain("Too many failed log-ins");
  });

  it("blocks an address that guesses many accounts", async () => {
    const ip = "192.0.2.55";
    for (let i = 0; i < 10; i++) {
      await new Browser().post("/login", { email: uniqueEmail("nobody"), password: "guess guess guess" }, { headers: { "cf-connecting-ip": ip } });
    }
    const { email } = await signUp("Victim");
    const blocked = await new Browser().post("/login", { email, password: PASSWORD }, { headers: { "cf-connecting-ip": ip } });
    expect(blocked.status).toBe(429);
  });
});
