import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { seal, unseal } from "../lib/crypto/sealed";
import { oauthPlatforms, startConnection } from "../workers/api/accounts/oauth";
import { credentialsSeal } from "../workers/publisher/publish";
import { addMember, api, Browser, createToken, createWorkspace, destination, signUp } from "./support/client";

// The OAuth 2.0 connect flow of the api Worker against the fake X (test/fakes/x.ts), reached over
// HTTP like the real one: state, PKCE, CSRF, the callback's checks, sealing, tenant isolation.
let owner: Browser;
let admin: Browser;
let viewer: Browser;
let stranger: Browser;
let ws: string;
let ownerToken: string;
let strangerWs: string;

const fake = (path: string, body?: unknown) => fetch(`https://api.x.com/_fake/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
const count = async (sql: string, ...binds: unknown[]) => (await env.DB.prepare(sql).bind(...binds).first<number>("n")) ?? 0;
const accountsOf = (workspace: string) => count("SELECT COUNT(*) AS n FROM social_accounts WHERE workspace_id = ?", workspace);

/** Starts "Connect X" as htmx does; returns the platform's authorize URL. */
async function start(browser: Browser, workspace = ws): Promise<URL> {
  const response = await browser.post(`/w/${workspace}/accounts/connect/x`, {}, { htmx: true });
  expect(response.status, await response.clone().text()).toBe(204);
  return new URL(response.headers.get("hx-redirect")!);
}

/** The fake platform's consent: it sends the browser back with a code and the state. */
async function consent(authorize: URL): Promise<string> {
  const response = await fetch(authorize, { redirect: "manual" });
  expect(response.status, await response.clone().text()).toBe(302);
  const back = new URL(response.headers.get("location")!);
  return back.pathname + back.search;
}

beforeAll(async () => {
  owner = await signUp("Olga");
  ws = await createWorkspace(owner, "OAuth Co");
  ownerToken = await createToken(owner, ws, "write");
  admin = await signUp("Ada");
  await addMember(owner, ws, admin, "admin");
  viewer = await signUp("Vic");
  await addMember(owner, ws, viewer, "viewer");
  stranger = await signUp("Sam");
  strangerWs = await createWorkspace(stranger, "Elsewhere");
});

describe("starting a connection", () => {
  it("offers Connect X on the accounts page, and says which platforms the operator has not configured", async () => {
    const page = await (await owner.get(`/w/${ws}/accounts`)).text();
    expect(page).toContain("Connect X");
    const platforms = oauthPlatforms({} as Env);
    expect(platforms.find((p) => p.platform === "x")).toMatchObject({ configured: false, secrets: ["X_CLIENT_ID", "X_CLIENT_SECRET"] });
    expect(oauthPlatforms(env).find((p) => p.platform === "x")!.configured).toBe(true);
  });

  it("refuses to start for a platform without its secrets, with a 4xx naming them", async () => {
    const access = { workspace: { id: ws } as never, role: "owner" as const, actor: { userId: "usr_x" } };
    await expect(startConnection({ TOKEN_KEY: env.TOKEN_KEY } as Env, null as never, access, "x", {}, "https://engine.test")).rejects.toMatchObject({ status: 409, message: expect.stringContaining("X_CLIENT_ID") });
  });

  it("sends the browser to X's authorize page with a state and an S256 PKCE challenge, and keeps only sealed secrets", async () => {
    const url = await start(owner);
    expect(url.origin + url.pathname).toBe("https://x.com/i/oauth2/authorize");
    const q = url.searchParams;
    expect(q.get("response_type")).toBe("code");
    expect(q.get("client_id")).toBe("test-x-client-id");
    expect(q.get("redirect_uri")).toBe("https://engine.test/oauth/callback/x");
    expect(q.get("scope")).toBe("tweet.read tweet.write users.read offline.access media.write");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const state = q.get("state")!;
    expect(state.length).toBeGreaterThanOrEqual(32);
    const flows = await env.DB.prepare("SELECT * FROM oauth_flows WHERE workspace_id = ?").bind(ws).all<Record<string, string>>();
    const row = flows.results.at(-1)!;
    // The state is kept as its hash, the verifier sealed.
    expect(JSON.stringify(row)).not.toContain(state);
    expect(row.sealed).toMatch(/^v1\./);
    expect(row.stage).toBe("authorize");
  });

  it("refuses the start form without its CSRF token, or from another site", async () => {
    const before = await count("SELECT COUNT(*) AS n FROM oauth_flows");
    expect((await owner.post(`/w/${ws}/accounts/connect/x`, {}, { csrf: false })).status).toBe(403);
    expect((await owner.post(`/w/${ws}/accounts/connect/x`, {}, { headers: { "sec-fetch-site": "cross-site" } })).status).toBe(403);
    expect(await count("SELECT COUNT(*) AS n FROM oauth_flows")).toBe(before);
  });

  it("a plain form (no htmx) gets a page that goes on to X by itself", async () => {
    const response = await owner.post(`/w/${ws}/accounts/connect/x`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/http-equiv="refresh" content="0;url=https:\/\/x\.com\/i\/oauth2\/authorize\?/);
  });

  it("keeps the start to managers of the workspace, and to its members", async () => {
    expect((await viewer.post(`/w/${ws}/accounts/connect/x`, {}, { htmx: true })).status).toBe(403);
    expect((await stranger.post(`/w/${ws}/accounts/connect/x`, {}, { htmx: true })).status).toBe(404);
    expect((await owner.post(`/w/${strangerWs}/accounts/connect/x`, {}, { htmx: true })).status).toBe(404);
    expect((await owner.post(`/w/${ws}/accounts/connect/myspace`, {}, { htmx: true })).status).toBe(404);
    // Bluesky connects with an app password, not OAuth.
    expect((await owner.post(`/w/${ws}/accounts/connect/bluesky`, {}, { htmx: true })).status).toBe(404);
  });
});

describe("the callback", () => {
  it("connects the account: code exchanged with the PKCE verifier, tokens sealed, none in plaintext in any D1 row", async () => {
    const callback = await consent(await start(owner));
    expect(callback).toMatch(/^\/oauth\/callback\/x\?/);
    const done = await owner.get(callback);
    expect(done.status, await done.clone().text()).toBe(303);
    expect(destination(done)).toBe(`/w/${ws}/accounts`);
    const list = (await (await api(ownerToken, "GET", `/workspaces/${ws}/accounts`)).json()) as { accounts: Record<string, unknown>[] };
    const account = list.accounts.find((a) => a.platform === "x")!;
    expect(account).toMatchObject({ handle: "alice_x", externalId: "1700000000000000001", serviceUrl: "https://api.x.com", status: "connected" });
    expect(account).not.toHaveProperty("credentials");

    // Sealed under the account's id: it opens there and carries both tokens and the access expiry.
    const row = (await env.DB.prepare("SELECT id, credentials, access_expires_at FROM social_accounts WHERE id = ?").bind(account.id).first<{ id: string; credentials: string; access_expires_at: number }>())!;
    const credentials = JSON.parse(await unseal(credentialsSeal(env, row.id), row.credentials)) as Record<string, string>;
    expect(credentials.accessToken).toBeTruthy();
    expect(credentials.refreshToken).toBeTruthy();
    expect(row.access_expires_at).toBeGreaterThan(Date.now() + 3600_000);
    await expect(unseal(credentialsSeal(env, "acc_other"), row.credentials)).rejects.toThrow();

    // No token the fake ever issued appears in any row of any table.
    const { issuedTokens } = (await (await fake("state")).json()) as { issuedTokens: string[] };
    expect(issuedTokens).toContain(credentials.accessToken);
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE '%_fts%'").all<{ name: string }>();
    let scanned = 0;
    for (const { name } of tables.results) {
      const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      const dump = JSON.stringify(rows.results);
      scanned += rows.results.length;
      for (const token of issuedTokens) expect(dump.includes(token), `${name} holds a token`).toBe(false);
    }
    expect(scanned).toBeGreaterThan(10);

    // The page shows it; connecting again updates the same account.
    expect(await (await owner.get(`/w/${ws}/accounts`)).text()).toContain("alice_x");
    expect((await owner.get(await consent(await start(owner)))).status).toBe(303);
    expect(await count("SELECT COUNT(*) AS n FROM social_accounts WHERE workspace_id = ? AND platform = 'x'", ws)).toBe(1);
  });

  it("refuses a missing, unknown, replayed or expired state with a 4xx, storing nothing", async () => {
    const other = await createWorkspace(owner, "Callback checks");
    const callback = await consent(await start(owner, other));
    const code = new URL(callback, "https://engine.test").searchParams.get("code")!;
    const missing = await owner.get(`/oauth/callback/x?code=${code}`);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("without its state");
    expect((await owner.get(`/oauth/callback/x?code=${code}&state=forged-state-value`)).status).toBe(400);
    expect(await accountsOf(other)).toBe(0);

    // Used once, then never again.
    expect((await owner.get(callback)).status).toBe(303);
    expect(await accountsOf(other)).toBe(1);
    const replay = await owner.get(callback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("already used");

    const third = await createWorkspace(owner, "Expired");
    const late = await consent(await start(owner, third));
    await env.DB.prepare("UPDATE oauth_flows SET expires_at = ? WHERE workspace_id = ?").bind(Date.now() - 1000, third).run();
    const expired = await owner.get(late);
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain("expired");
    expect(await accountsOf(third)).toBe(0);
  });

  it("refuses a state started by someone else, even a member of the same workspace", async () => {
    const other = await createWorkspace(owner, "Someone else's state");
    const callback = await consent(await start(owner, other));
    const response = await admin.get(callback);
    expect(response.status).toBe(403);
    expect(await accountsOf(other)).toBe(0);
    // A signed-out browser is sent to log in first.
    const anonymous = await new Browser().get(callback);
    expect(anonymous.status).toBe(303);
    expect(destination(anonymous)).toMatch(/^\/login\?next=/);
  });

  it("exchanges the code with this flow's verifier: another verifier is refused by the platform", async () => {
    const other = await createWorkspace(owner, "PKCE");
    const callback = await consent(await start(owner, other));
    const row = (await env.DB.prepare("SELECT id, sealed FROM oauth_flows WHERE workspace_id = ?").bind(other).first<{ id: string; sealed: string }>())!;
    const sealing = { secret: env.TOKEN_KEY, purpose: "oauth-flow", rowId: row.id };
    const secrets = JSON.parse(await unseal(sealing, row.sealed)) as { verifier: string };
    expect(secrets.verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    await env.DB.prepare("UPDATE oauth_flows SET sealed = ? WHERE id = ?").bind(await seal(sealing, JSON.stringify({ ...secrets, verifier: "x".repeat(43) })), row.id).run();
    const response = await owner.get(callback);
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("code_verifier does not match");
    expect(await accountsOf(other)).toBe(0);
  });

  it("says what the platform said when the person declined, storing nothing", async () => {
    const other = await createWorkspace(owner, "Declined");
    const url = await start(owner, other);
    const response = await owner.get(`/oauth/callback/x?state=${encodeURIComponent(url.searchParams.get("state")!)}&error=access_denied&error_description=The+user+denied+the+request`);
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("The user denied the request");
    expect(await accountsOf(other)).toBe(0);
  });

  it("refuses a malformed callback with a 4xx", async () => {
    expect((await owner.get(`/oauth/callback/x?state=${"s".repeat(600)}`)).status).toBe(400);
    expect((await owner.get(`/oauth/callback/nowhere?state=abc&code=def`)).status).toBe(404);
  });
});

describe("accounts whose sign-in is dying", () => {
  it("shows a banner with the platform's words, escaped, and a Reconnect button to managers only", async () => {
    const other = await createWorkspace(owner, "Banner");
    await addMember(owner, other, viewer, "viewer");
    expect((await owner.get(await consent(await start(owner, other)))).status).toBe(303);
    const clean = await (await owner.get(`/w/${other}/accounts`)).text();
    expect(clean).not.toContain("reconnect-banner");

    await env.DB.prepare("UPDATE social_accounts SET status = 'expired', last_error = ? WHERE workspace_id = ?").bind("X refused to renew the sign-in: invalid_grant <script>alert(1)</script>", other).run();
    const page = await (await owner.get(`/w/${other}/accounts`)).text();
    const banner = page.slice(page.indexOf('id="reconnect-banner"'));
    expect(banner).toContain("X no longer accepts the sign-in of alice_x");
    expect(banner).toContain("invalid_grant &lt;script&gt;");
    expect(page).not.toContain("<script>alert(1)</script>");
    expect(banner).toMatch(new RegExp(`action="/w/${other}/accounts/connect/x"[\\s\\S]*?Reconnect`));
    const seen = await (await viewer.get(`/w/${other}/accounts`)).text();
    expect(seen).toContain("Ask an owner or admin to reconnect it");
    expect(seen).not.toContain(">Reconnect<");

    await env.DB.prepare("UPDATE social_accounts SET status = 'expiring', last_error = 'sign-in expires soon', token_expires_at = ? WHERE workspace_id = ?").bind(Date.now() + 3 * 86400_000, other).run();
    expect(await (await owner.get(`/w/${other}/accounts`)).text()).toMatch(/X sign-in of alice_x expires \d{4}-\d\d-\d\d/);

    // Reconnecting brings it back to health.
    expect((await owner.get(await consent(await start(owner, other)))).status).toBe(303);
    expect(await env.DB.prepare("SELECT status FROM social_accounts WHERE workspace_id = ?").bind(other).first("status")).toBe("connected");
  });
});
