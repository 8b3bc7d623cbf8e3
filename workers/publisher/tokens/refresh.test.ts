import { generateCodeVerifier, generateState } from "arctic";
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { seal, unseal } from "../../../lib/crypto/sealed";
import worker from "../index";
import { operatorClient, tokenClient, tokenCredentials, type OAuthSpec, type OAuthTokens } from "../connectors/oauth";
import { linkedInOAuth } from "../connectors/linkedin/oauth";
import { xOAuth } from "../connectors/x/oauth";
import { credentialsSeal } from "../publish";
import { refreshTokens } from "./refresh";

// The publisher's cron renewing OAuth tokens against the fake X and LinkedIn (test/fakes), and
// marking and announcing sign-ins that are about to die or have died.
const HOUR = 3600_000;
const DAY = 24 * HOUR;

async function signIn(spec: OAuthSpec, platform: string): Promise<OAuthTokens> {
  const client = tokenClient(spec, operatorClient(env, spec)!, `https://engine.test/oauth/callback/${platform}`, null);
  const verifier = spec.pkce ? generateCodeVerifier() : null;
  const consent = await fetch(client.authorizationUrl(generateState(), verifier), { redirect: "manual" });
  return client.exchange(new URL(consent.headers.get("location")!).searchParams.get("code")!, verifier);
}

let counter = 0;
type Seed = { platform: string; credentials: Record<string, string>; accessExpiresAt: number | null; accessIssuedAt?: number | null; tokenExpiresAt?: number | null; status?: string };

async function account(seed: Seed): Promise<string> {
  const id = `acc_refresh_${++counter}`;
  const sealed = await seal(credentialsSeal(env, id), JSON.stringify(seed.credentials));
  await env.DB.prepare(
    "INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials, token_expires_at, access_expires_at, access_issued_at, status, connected_by) VALUES (?, 'ws_r', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'usr_editor')",
  )
    .bind(id, seed.platform, `ext_${counter}`, `handle_${counter}`, seed.platform === "x" ? "https://api.x.com" : "https://api.linkedin.com", sealed, seed.tokenExpiresAt ?? null, seed.accessExpiresAt, seed.accessIssuedAt ?? null, seed.status ?? "connected")
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
