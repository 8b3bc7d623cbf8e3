import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { unseal } from "../lib/crypto/sealed";
import { credentialsSeal } from "../workers/publisher/publish";
import { api, Browser, createToken, createWorkspace, destination, signUp } from "./support/client";

// Connecting a Mastodon account on an instance the person names, against the fake instance
// (test/fakes/mastodon.ts): the app registered there once, the instance address checked.
let owner: Browser;
let ws: string;
let token: string;

const connect = (browser: Browser, instance: string, workspace = ws) => browser.post(`/w/${workspace}/accounts/connect/mastodon`, { instance }, { htmx: true });

beforeAll(async () => {
  owner = await signUp("Mia");
  ws = await createWorkspace(owner, "Fediverse Co");
  token = await createToken(owner, ws, "write");
});

describe("connecting Mastodon", () => {
  it("registers the app on the instance once, then connects with PKCE; the token and the app's secret are sealed", async () => {
    const first = await connect(owner, "@alice@mastodon.test");
    expect(first.status, await first.clone().text()).toBe(204);
    const authorize = new URL(first.headers.get("hx-redirect")!);
    expect(authorize.origin + authorize.pathname).toBe("https://mastodon.test/oauth/authorize");
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("redirect_uri")).toBe("https://engine.test/oauth/callback/mastodon");

    const consent = await fetch(authorize, { redirect: "manual" });
    const back = new URL(consent.headers.get("location")!);
    const done = await owner.get(back.pathname + back.search);
    expect(done.status, await done.clone().text()).toBe(303);
    expect(destination(done)).toBe(`/w/${ws}/accounts`);

    const { accounts } = (await (await api(token, "GET", `/workspaces/${ws}/accounts`)).json()) as { accounts: { id: string; platform: string; handle: string; serviceUrl: string }[] };
    const account = accounts.find((a) => a.platform === "mastodon")!;
    expect(account).toMatchObject({ handle: "@alice@mastodon.test", serviceUrl: "https://mastodon.test" });

    const app = (await env.DB.prepare("SELECT * FROM oauth_apps WHERE origin = 'https://mastodon.test'").first<{ client_id: string; client_secret: string }>())!;
    expect(app.client_secret).toMatch(/^v1\./);
    const row = (await env.DB.prepare("SELECT credentials FROM social_accounts WHERE id = ?").bind(account.id).first<{ credentials: string }>())!;
    const credentials = JSON.parse(await unseal(credentialsSeal(env, account.id), row.credentials)) as Record<string, string>;
    expect(credentials).toMatchObject({ clientId: app.client_id, clientSecret: expect.stringMatching(/^ms_/) });
    expect(row.credentials).not.toContain(credentials.accessToken!);
    expect(JSON.stringify(app)).not.toContain(credentials.clientSecret!);

    // A second connection reuses the registered app.
    const again = await connect(owner, "https://mastodon.test/");
    expect(new URL(again.headers.get("hx-redirect")!).searchParams.get("client_id")).toBe(app.client_id);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM oauth_apps").first("n")).toBe(1);
  });

  it("refuses an instance that is missing, malformed, plain http, or on a private network, with a 422 naming the field", async () => {
    for (const instance of ["", "not a host!", "http://mastodon.test", "https://10.0.0.8", "pds.internal-dns.test", "http://127.0.0.1:9999", "https://localhost"]) {
      const response = await connect(owner, instance);
      expect(response.status, instance).toBe(422);
      expect(await response.text(), instance).toMatch(/instance: /);
    }
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM oauth_apps WHERE origin != 'https://mastodon.test'").first("n")).toBe(0);
  });

  it("says so when the address is not a Mastodon server (the app cannot be registered there)", async () => {
    const response = await connect(owner, "news.test");
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("Mastodon refused registering this app");
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM oauth_apps WHERE origin = 'https://news.test'").first("n")).toBe(0);
  });

  it("keeps the start to the workspace's managers", async () => {
    const stranger = await signUp("Sid");
    expect((await connect(stranger, "mastodon.test")).status).toBe(404);
  });
});
