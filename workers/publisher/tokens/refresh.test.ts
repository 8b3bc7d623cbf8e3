import { generateCodeVerifier, generateState } from "arctic";
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { seal, unseal } from "../../../lib/crypto/sealed";
import worker from "../index";
import { operatorClient, tokenClient, tokenCredentials, type OAuthSpec, type OAuthTokens } from "../connectors/oauth";
import { linkedInOAuth } from "../connectors/linkedin/oauth";
import { THREADS_GRAPH } from "../connectors/threads";
import { threadsOAuth } from "../connectors/threads/oauth";
import { tiktokOAuth } from "../connectors/tiktok/oauth";
import { xOAuth } from "../connectors/x/oauth";
import { youtubeOAuth } from "../connectors/youtube/oauth";
import { credentialsSeal } from "../publish";
import { refreshTokens } from "./refresh";

// The publisher's cron renewing OAuth tokens against the fake X, LinkedIn, TikTok, YouTube and
// Threads (test/fakes), and marking and announcing sign-ins that are about to die or have died.
const HOUR = 3600_000;
const DAY = 24 * HOUR;

async function signIn(spec: OAuthSpec, platform: string): Promise<OAuthTokens> {
  const client = tokenClient(spec, operatorClient(env, spec)!, `https://engine.test/oauth/callback/${platform}`, null);
  const verifier = spec.pkce ? generateCodeVerifier() : null;
  const consent = await fetch(client.authorizationUrl(generateState(), verifier), { redirect: "manual" });
  return client.exchange(new URL(consent.headers.get("location")!).searchParams.get("code")!, verifier);
}

/** A Threads sign-in as the connect flow completes it: the code's token traded for a 60-day one. */
async function signInThreads(): Promise<Record<string, string>> {
  const [connected] = await threadsOAuth.accounts(await signIn(threadsOAuth, "threads"), { serviceUrl: null, app: operatorClient(env, threadsOAuth)! });
  return connected!.credentials;
}

const SERVICE_URLS: Record<string, string> = { x: "https://api.x.com", linkedin: "https://api.linkedin.com", tiktok: "https://open.tiktokapis.com", youtube: "https://www.googleapis.com", threads: THREADS_GRAPH };
let counter = 0;
type Seed = { platform: string; credentials: Record<string, string>; accessExpiresAt: number | null; accessIssuedAt?: number | null; tokenExpiresAt?: number | null; status?: string };

async function account(seed: Seed): Promise<string> {
  const id = `acc_refresh_${++counter}`;
  const sealed = await seal(credentialsSeal(env, id), JSON.stringify(seed.credentials));
  await env.DB.prepare(
    "INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials, token_expires_at, access_expires_at, access_issued_at, status, connected_by) VALUES (?, 'ws_r', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'usr_editor')",
  )
    .bind(id, seed.platform, `ext_${counter}`, `handle_${counter}`, SERVICE_URLS[seed.platform], sealed, seed.tokenExpiresAt ?? null, seed.accessExpiresAt, seed.accessIssuedAt ?? null, seed.status ?? "connected")
    .run();
  return id;
}

const row = (id: string) => env.DB.prepare("SELECT * FROM social_accounts WHERE id = ?").bind(id).first<{ status: string; last_error: string | null; access_expires_at: number | null; access_issued_at: number | null; token_expires_at: number | null; credentials: string }>();
const opened = async (id: string) => JSON.parse(await unseal(credentialsSeal(env, id), (await row(id))!.credentials)) as Record<string, string>;
const notices = async (kind: string) => (await env.DB.prepare("SELECT user_id, text FROM notifications WHERE kind = ? ORDER BY id").bind(kind).all<{ user_id: string; text: string }>()).results;
const me = (accessToken: string) => fetch("https://api.x.com/2/users/me", { headers: { authorization: `Bearer ${accessToken}` } });

beforeAll(async () => {
  await env.DB.batch([
    env.DB.prepare("INSERT INTO users (id, email, name, password_hash) VALUES ('usr_owner', 'o@example.com', 'O', 'x'), ('usr_admin', 'a@example.com', 'A', 'x'), ('usr_editor', 'e@example.com', 'E', 'x'), ('usr_viewer', 'v@example.com', 'V', 'x')"),
    env.DB.prepare("INSERT INTO workspaces (id, name) VALUES ('ws_r', 'Refresh Co')"),
    env.DB.prepare("INSERT INTO memberships (workspace_id, user_id, role) VALUES ('ws_r', 'usr_owner', 'owner'), ('ws_r', 'usr_admin', 'admin'), ('ws_r', 'usr_editor', 'editor'), ('ws_r', 'usr_viewer', 'viewer')"),
  ]);
});

describe("renewing tokens", () => {
  it("renews an X token past half its life, seals the new tokens, and leaves a fresh one alone", async () => {
    const tokens = await signIn(xOAuth, "x");
    const now = Date.now();
    const due = await account({ platform: "x", credentials: tokenCredentials(tokens), accessExpiresAt: now + 30 * 60_000, accessIssuedAt: now - 90 * 60_000 });
    const fresh = await account({ platform: "x", credentials: tokenCredentials(await signIn(xOAuth, "x")), accessExpiresAt: now + 110 * 60_000, accessIssuedAt: now - 10 * 60_000 });
    const report = await refreshTokens(env, now);
    expect(report).toMatchObject({ refreshed: 1, expired: 0, failed: 0 });

    const renewed = await opened(due);
    expect(renewed.accessToken).not.toBe(tokens.accessToken);
    // X rotates refresh tokens: the new one is stored, the old one no longer works.
    expect(renewed.refreshToken).not.toBe(tokens.refreshToken);
    expect((await me(renewed.accessToken!)).status).toBe(200);
    const after = (await row(due))!;
    expect(after).toMatchObject({ status: "connected", last_error: null, access_issued_at: now });
    expect(after.access_expires_at).toBeGreaterThan(now + HOUR);
    expect(after.credentials).not.toContain(renewed.accessToken);
    expect((await row(fresh))!.access_issued_at).toBe(now - 10 * 60_000);

    // Renewed: not due again until half of the new token's life has gone.
    expect((await refreshTokens(env, now + 60_000)).refreshed).toBe(0);
    expect((await refreshTokens(env, now + 61 * 60_000)).refreshed).toBeGreaterThanOrEqual(1);
  });

  it("marks the account expired with the platform's words when it refuses to renew, and tells the owners, admins and whoever connected it", async () => {
    const now = Date.now();
    const id = await account({ platform: "x", credentials: tokenCredentials(await signIn(xOAuth, "x")), accessExpiresAt: now + 10 * 60_000, accessIssuedAt: now - 110 * 60_000 });
    await fetch("https://api.x.com/_fake/tokens", { method: "POST", body: JSON.stringify({ error: "invalid_grant", count: 1 }) });
    const report = await refreshTokens(env, now);
    expect(report.expired).toBe(1);
    expect(await row(id)).toMatchObject({ status: "expired", last_error: "X refused to renew the sign-in: invalid_grant: The refresh token is invalid or was revoked" });
    const told = await notices("account_expired");
    expect(told.map((n) => n.user_id).sort()).toEqual(["usr_admin", "usr_editor", "usr_owner"]);
    expect(told[0]!.text).toContain("invalid_grant");
    // Told once: an expired account is not looked at again.
    await refreshTokens(env, now + 60_000);
    expect(await notices("account_expired")).toHaveLength(3);
  });

  it("leaves the account as it was when the platform cannot be reached, and tries again next time", async () => {
    const now = Date.now();
    const id = await account({ platform: "x", credentials: tokenCredentials(await signIn(xOAuth, "x")), accessExpiresAt: now + 10 * 60_000, accessIssuedAt: now - 110 * 60_000 });
    await fetch("https://api.x.com/_fake/tokens", { method: "POST", body: JSON.stringify({ error: null, count: 1 }) });
    const before = (await row(id))!;
    expect((await refreshTokens(env, now)).failed).toBeGreaterThanOrEqual(1);
    expect(await row(id)).toEqual(before);
    expect((await refreshTokens(env, now)).refreshed).toBeGreaterThanOrEqual(1);
    expect((await row(id))!.status).toBe("connected");
  });

  it("renews a LinkedIn token in its last day through the body-credentials token call, keeping the refresh token and its expiry", async () => {
    const tokens = await signIn(linkedInOAuth, "linkedin");
    const now = Date.now();
    const id = await account({ platform: "linkedin", credentials: tokenCredentials(tokens), accessExpiresAt: now + 12 * HOUR, accessIssuedAt: now - 59 * DAY, tokenExpiresAt: tokens.refreshTokenExpiresAt!.getTime() });
    expect((await refreshTokens(env, now)).refreshed).toBeGreaterThanOrEqual(1);
    const renewed = await opened(id);
    expect(renewed.refreshToken).toBe(tokens.refreshToken);
    expect((await row(id))!.access_expires_at).toBeGreaterThan(now + 59 * DAY);
    expect((await row(id))!.token_expires_at).toBeGreaterThan(now + 300 * DAY);
  });

  it("renews a TikTok token with the client_key in the body, storing the rotated refresh token and its 180 days from refresh_expires_in", async () => {
    const tokens = await signIn(tiktokOAuth, "tiktok");
    expect(tokens.refreshTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 179 * DAY);
    const now = Date.now();
    const id = await account({ platform: "tiktok", credentials: tokenCredentials(tokens), accessExpiresAt: now + 30 * 60_000, accessIssuedAt: now - 90 * 60_000, tokenExpiresAt: tokens.refreshTokenExpiresAt!.getTime() });
    expect((await refreshTokens(env, now)).refreshed).toBeGreaterThanOrEqual(1);
    const renewed = await opened(id);
    expect(renewed.accessToken).not.toBe(tokens.accessToken);
    expect(renewed.refreshToken).not.toBe(tokens.refreshToken);
    const after = (await row(id))!;
    expect(after).toMatchObject({ status: "connected", access_issued_at: now });
    expect(after.token_expires_at).toBe(new Date(renewed.refreshTokenExpiresAt!).getTime());
    expect(after.token_expires_at).toBeGreaterThan(now + 179 * DAY);
  });

  it("renews a YouTube token with the refresh token Google gave for offline access, keeping it", async () => {
    const tokens = await signIn(youtubeOAuth, "youtube");
    expect(tokens.refreshToken).toBeTruthy();
    const now = Date.now();
    const id = await account({ platform: "youtube", credentials: tokenCredentials(tokens), accessExpiresAt: now + 10 * 60_000, accessIssuedAt: now - 50 * 60_000 });
    expect((await refreshTokens(env, now)).refreshed).toBeGreaterThanOrEqual(1);
    const renewed = await opened(id);
    expect(renewed.accessToken).not.toBe(tokens.accessToken);
    expect(renewed.refreshToken).toBe(tokens.refreshToken);
    expect(await row(id)).toMatchObject({ status: "connected", token_expires_at: null, access_issued_at: now });
  });
});

describe("Threads' self-renewing token", () => {
  const profile = (accessToken: string) => fetch(`${THREADS_GRAPH}/v1.0/me?fields=id&access_token=${encodeURIComponent(accessToken)}`);

  it("renews a 60-day token a week before it dies instead of marking it expiring, so nobody has to reconnect", async () => {
    const credentials = await signInThreads();
    const now = Date.now();
    const seeded = { ...credentials, accessTokenExpiresAt: new Date(now + 5 * DAY).toISOString() };
    const id = await account({ platform: "threads", credentials: seeded, accessExpiresAt: now + 5 * DAY, accessIssuedAt: now - 55 * DAY, tokenExpiresAt: now + 5 * DAY });
    const later = await account({ platform: "threads", credentials: await signInThreads(), accessExpiresAt: now + 10 * DAY, accessIssuedAt: now - 50 * DAY, tokenExpiresAt: now + 10 * DAY });
    const before = (await notices("account_expiring")).length;
    expect((await refreshTokens(env, now)).refreshed).toBeGreaterThanOrEqual(1);

    const renewed = await opened(id);
    expect(renewed.accessToken).toMatch(/^threads-long-/);
    expect(renewed.accessToken).not.toBe(credentials.accessToken);
    expect(renewed.refreshToken).toBeUndefined();
    expect((await profile(renewed.accessToken!)).status).toBe(200);
    const after = (await row(id))!;
    expect(after).toMatchObject({ status: "connected", last_error: null, access_issued_at: now });
    expect(after.access_expires_at).toBeGreaterThan(now + 59 * DAY);
    // The sign-in now runs to the renewed token's end, and is not looked at again for weeks.
    expect(after.token_expires_at).toBe(after.access_expires_at);
    expect(after.credentials).not.toContain(renewed.accessToken);
    expect((await notices("account_expiring")).length).toBe(before);
    // Ten days left: not yet.
    expect((await row(later))!.access_issued_at).toBe(now - 50 * DAY);
  });

  it("marks the account expired with Threads' words when Threads refuses to renew the token", async () => {
    const now = Date.now();
    const id = await account({ platform: "threads", credentials: { accessToken: "threads-revoked-token", accessTokenExpiresAt: new Date(now + 3 * DAY).toISOString() }, accessExpiresAt: now + 3 * DAY, accessIssuedAt: now - 57 * DAY, tokenExpiresAt: now + 3 * DAY });
    expect((await refreshTokens(env, now)).expired).toBeGreaterThanOrEqual(1);
    expect(await row(id)).toMatchObject({ status: "expired", last_error: expect.stringContaining("Threads refused to renew the token: Invalid OAuth access token") });
  });
});

describe("sign-ins running out", () => {
  it("marks expiring, once, when the refresh token dies within 7 days", async () => {
    const now = Date.now();
    const id = await account({ platform: "linkedin", credentials: { accessToken: "still-valid", refreshToken: "dying" }, accessExpiresAt: now + 30 * DAY, accessIssuedAt: now - 30 * DAY, tokenExpiresAt: now + 3 * DAY });
    const before = (await notices("account_expiring")).length;
    expect((await refreshTokens(env, now)).expiring).toBe(1);
    expect(await row(id)).toMatchObject({ status: "expiring", last_error: expect.stringContaining("reconnect") });
    expect((await notices("account_expiring")).length).toBe(before + 3);
    await refreshTokens(env, now + 60_000);
    expect((await notices("account_expiring")).length).toBe(before + 3);
    // Once the day comes, it has expired.
    expect((await refreshTokens(env, now + 4 * DAY)).expired).toBeGreaterThanOrEqual(1);
    expect((await row(id))!.status).toBe("expired");
  });

  it("marks an account without a refresh token expiring within 7 days of its token's end, then expired", async () => {
    const now = Date.now();
    const id = await account({ platform: "x", credentials: { accessToken: "no-refresh" }, accessExpiresAt: now + 20 * HOUR, accessIssuedAt: now - 4 * HOUR, tokenExpiresAt: now + 20 * HOUR });
    await refreshTokens(env, now);
    expect((await row(id))!.status).toBe("expiring");
    await refreshTokens(env, now + 21 * HOUR);
    expect(await row(id)).toMatchObject({ status: "expired", last_error: expect.stringContaining("expired") });
  });
});

describe("the publisher's cron", () => {
  it("renews due tokens on its every-minute run", async () => {
    const now = Date.now();
    const id = await account({ platform: "x", credentials: tokenCredentials(await signIn(xOAuth, "x")), accessExpiresAt: now + 5 * 60_000, accessIssuedAt: now - 115 * 60_000 });
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "* * * * *" }), env);
    expect((await row(id))!.access_issued_at).toBe(now);
  });
});
