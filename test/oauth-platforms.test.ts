import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { unseal } from "../lib/crypto/sealed";
import { credentialsSeal } from "../workers/publisher/publish";
import { refreshTokens } from "../workers/publisher/tokens/refresh";
import { Browser, createWorkspace, destination, signUp } from "./support/client";

// Connecting Facebook Pages, Instagram, Threads, YouTube and TikTok through the real routes (the
// start POST, the fake platform's consent, GET /oauth/callback/:platform), against the fakes of
// test/fakes (meta.ts, youtube.ts, tiktok.ts) with the apps vitest.config.ts configures.
const HOUR = 3600_000;
const DAY = 24 * HOUR;
let owner: Browser;

type Row = { id: string; platform: string; external_id: string; handle: string; service_url: string; credentials: string; status: string; token_expires_at: number | null; access_expires_at: number | null };

/** "Connect <platform>" as htmx sends it; the platform's authorize URL. */
async function start(platform: string, workspace: string): Promise<URL> {
  const response = await owner.post(`/w/${workspace}/accounts/connect/${platform}`, {}, { htmx: true });
  expect(response.status, await response.clone().text()).toBe(204);
  return new URL(response.headers.get("hx-redirect")!);
}

/** The fake's consent, then the callback; where the callback sent the browser. */
async function complete(authorize: URL): Promise<string> {
  const consent = await fetch(authorize, { redirect: "manual" });
  expect(consent.status, await consent.clone().text()).toBe(302);
  const back = new URL(consent.headers.get("location")!);
  expect(back.origin + back.pathname).toBe(authorize.searchParams.get("redirect_uri"));
  const callback = await owner.get(back.pathname + back.search);
  expect(callback.status, await callback.clone().text()).toBe(303);
  return destination(callback)!;
}

const rows = async (workspace: string) => (await env.DB.prepare("SELECT * FROM social_accounts WHERE workspace_id = ? ORDER BY external_id").bind(workspace).all<Row>()).results;
const opened = async (row: Row) => JSON.parse(await unseal(credentialsSeal(env, row.id), row.credentials)) as Record<string, string>;

// Every token the fakes hand out has a recognisable shape: page tokens, Meta's short and long-lived
// user tokens, Google's ya29./1// tokens, TikTok's act./rft. tokens.
const FAKE_TOKEN = /page-token-|(?:facebook|threads)-(?:short|long)-|ya29\.fake-|1\/\/fake-|act\.fake-|rft\.fake-/;

/** No row of any table holds a token the fakes issued, nor any of the given ones, in plaintext. */
async function expectNoPlaintextTokens(tokens: string[]) {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE '%_fts%'").all<{ name: string }>();
  let scanned = 0;
  for (const { name } of tables.results) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    const dump = JSON.stringify(results);
    scanned += results.length;
    expect(dump, `${name} holds a token`).not.toMatch(FAKE_TOKEN);
    for (const token of tokens) expect(dump.includes(token), `${name} holds a token`).toBe(false);
  }
  expect(scanned).toBeGreaterThan(5);
}

beforeAll(async () => {
  owner = await signUp("Paula");
});

describe("Facebook Pages", () => {
  it("offers every Page the person manages, stores the chosen ones with their own non-expiring Page tokens, sealed", async () => {
    const ws = await createWorkspace(owner, "Pages");
    const authorize = await start("facebook", ws);
    expect(authorize.origin + authorize.pathname).toMatch(/^https:\/\/www\.facebook\.com\/v\d+\.\d+\/dialog\/oauth$/);
    expect(authorize.searchParams.get("client_id")).toBe("fake-meta-app-id");
    // Meta takes no PKCE.
    expect(authorize.searchParams.has("code_challenge")).toBe(false);
    const pick = await complete(authorize);
    expect(pick).toMatch(new RegExp(`^/w/${ws}/accounts/connect/pick/ocf_`));
    const page = await (await owner.get(pick)).text();
    expect(page).toContain("Alice&#39;s Bakery");
    expect(page).toContain("Alice Writes");
    // Both Pages (repeated fields, as a plain form sends them).
    const cookie = [...owner.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const body = new URLSearchParams([["_csrf", owner.cookies.get("__Host-csrf")!], ["account", "102000000000001"], ["account", "102000000000002"]]).toString();
    const chosen = await exports.default.fetch(
      new Request(`https://engine.test${pick}`, { method: "POST", redirect: "manual", headers: { cookie, origin: "https://engine.test", "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" }, body }),
    );
    expect(chosen.status).toBe(303);

    const stored = await rows(ws);
    expect(stored.map((r) => [r.platform, r.external_id, r.handle, r.status])).toEqual([
      ["facebook", "102000000000001", "Alice's Bakery", "connected"],
      ["facebook", "102000000000002", "Alice Writes", "connected"],
    ]);
    // Page tokens from a long-lived user token do not expire: nothing to renew, nothing running out.
    for (const row of stored) expect([row.token_expires_at, row.access_expires_at]).toEqual([null, null]);
    expect(await opened(stored[0]!)).toEqual({ accessToken: "page-token-bakery" });
    expect(await opened(stored[1]!)).toEqual({ accessToken: "page-token-writes" });
    await expectNoPlaintextTokens(["page-token-bakery", "page-token-writes"]);

    // Months later the refresh cron still has nothing to say about them.
    await refreshTokens(env, Date.now() + 90 * DAY);
    for (const row of await rows(ws)) expect(row).toMatchObject({ status: "connected", last_error: null });
  });
});

describe("Instagram", () => {
  it("connects the Instagram account linked to a Page, acting with that Page's token, sealed, never marked expiring", async () => {
    const ws = await createWorkspace(owner, "Gram");
    const authorize = await start("instagram", ws);
    expect(authorize.searchParams.get("client_id")).toBe("fake-meta-app-id");
    expect(authorize.searchParams.get("scope")).toContain("instagram_content_publish");
    // Only one of the two Pages has an Instagram account: it is stored at once.
    expect(await complete(authorize)).toBe(`/w/${ws}/accounts`);
    const [row, ...others] = await rows(ws);
    expect(others).toEqual([]);
    expect(row).toMatchObject({ platform: "instagram", external_id: "17841400000000001", handle: "alices.bakery", status: "connected", token_expires_at: null, access_expires_at: null });
    expect(await opened(row!)).toEqual({ accessToken: "page-token-bakery", pageId: "102000000000001" });
    await expectNoPlaintextTokens(["page-token-bakery"]);
    await refreshTokens(env, Date.now() + 90 * DAY);
    expect((await rows(ws))[0]).toMatchObject({ status: "connected", last_error: null });
  });
});

describe("Threads", () => {
  it("trades the code's token for a 60-day one, and stores it sealed with its expiry", async () => {
    const ws = await createWorkspace(owner, "Threads");
    const authorize = await start("threads", ws);
    expect(authorize.origin + authorize.pathname).toBe("https://threads.net/oauth/authorize");
    expect(authorize.searchParams.get("client_id")).toBe("fake-threads-app-id");
    expect(await complete(authorize)).toBe(`/w/${ws}/accounts`);
    const [row] = await rows(ws);
    expect(row).toMatchObject({ platform: "threads", external_id: "25000000000000001", handle: "alice.threads", status: "connected" });
    const credentials = await opened(row!);
    expect(credentials.accessToken).toMatch(/^threads-long-/);
    expect(credentials.refreshToken).toBeUndefined();
    expect(row!.access_expires_at).toBeGreaterThan(Date.now() + 59 * DAY);
    expect(row!.token_expires_at).toBe(row!.access_expires_at);
    await expectNoPlaintextTokens([credentials.accessToken!]);
  });
});

describe("YouTube", () => {
  it("asks Google for offline access with consent, so the channel is stored with a refresh token, sealed", async () => {
    const ws = await createWorkspace(owner, "Tube");
    const authorize = await start("youtube", ws);
    expect(authorize.origin + authorize.pathname).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    const q = authorize.searchParams;
    expect(q.get("client_id")).toBe("fake-google-client.apps.googleusercontent.com");
    expect(q.get("access_type")).toBe("offline");
    expect(q.get("prompt")).toBe("consent");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("scope")).toBe("https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly");
    expect(await complete(authorize)).toBe(`/w/${ws}/accounts`);
    const [row] = await rows(ws);
    expect(row).toMatchObject({ platform: "youtube", external_id: "UCfakeAlice000000000000a", handle: "@alicebakes", status: "connected" });
    const credentials = await opened(row!);
    expect(credentials.accessToken).toMatch(/^ya29\.fake-/);
    expect(credentials.refreshToken).toMatch(/^1\/\/fake-/);
    // With a refresh token the sign-in has no set end; the hour-long access token is renewed.
    expect(row!.token_expires_at).toBeNull();
    expect(row!.access_expires_at).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(row!.access_expires_at).toBeLessThan(Date.now() + HOUR + 60_000);
    await expectNoPlaintextTokens([credentials.accessToken!, credentials.refreshToken!]);
  });
});

describe("TikTok", () => {
  it("uses TikTok's client_key and comma-separated scopes, and keeps the refresh token's 180 days from refresh_expires_in", async () => {
    const ws = await createWorkspace(owner, "Tok");
    const authorize = await start("tiktok", ws);
    expect(authorize.origin + authorize.pathname).toBe("https://www.tiktok.com/v2/auth/authorize/");
    const q = authorize.searchParams;
    expect(q.get("client_key")).toBe("fakeclientkey0001");
    expect(q.has("client_id")).toBe(false);
    expect(q.get("scope")).toBe("user.info.basic,video.publish,video.upload,video.list");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(await complete(authorize)).toBe(`/w/${ws}/accounts`);
    const [row] = await rows(ws);
    expect(row).toMatchObject({ platform: "tiktok", external_id: "-000fakeOpenIdAlice", handle: "alice.bakes", status: "connected" });
    const credentials = await opened(row!);
    expect(credentials.accessToken).toMatch(/^act\.fake-/);
    expect(credentials.refreshToken).toMatch(/^rft\.fake-/);
    // The sign-in lasts as long as the refresh token (15,552,000 s), not the access token's 2 hours.
    expect(row!.token_expires_at).toBeGreaterThan(Date.now() + 179 * DAY);
    expect(new Date(credentials.refreshTokenExpiresAt!).getTime()).toBe(row!.token_expires_at);
    expect(row!.access_expires_at).toBeLessThan(Date.now() + 2 * HOUR + 60_000);
    await expectNoPlaintextTokens([credentials.accessToken!, credentials.refreshToken!]);
  });
});
