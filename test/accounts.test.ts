import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, api, Browser, createToken, createWorkspace, signUp } from "./support/client";

// Connecting accounts and scheduling content to them, through the REST API and the pages, against
// the fake Bluesky PDS (test/fakes/bluesky.ts) reached over HTTP.
const PDS = "https://pds.bsky.test";
const PASSWORD = "app-pass-word-1234";

let owner: Browser;
let ws: string;
let ownerToken: string;
let viewerToken: string;
let otherToken: string;
let otherWs: string;

type AccountJson = { id: string; platform: string; handle: string; status: string; tokenExpiresAt: string | null };
type ErrorJson = { error: { code: string; message: string; fields?: Record<string, string> } };
type PublicationJson = { id: string; platform: string; handle: string; status: string; scheduledAt: string; scheduledZone: string };

const connect = (token: string, body: Record<string, unknown>, workspace = ws) => api(token, "POST", `/workspaces/${workspace}/accounts/bluesky`, body);

beforeAll(async () => {
  owner = await signUp("Pia");
  ws = await createWorkspace(owner, "Publishing Co");
  ownerToken = await createToken(owner, ws, "write");
  await owner.post(`/w/${ws}/settings`, { name: "Publishing Co", timezone: "Europe/Paris", allowSelfApproval: "on" });
  const viewer = await signUp("Val");
  const viewerId = await addMember(owner, ws, viewer, "admin");
  viewerToken = await createToken(viewer, ws, "write");
  await api(ownerToken, "PATCH", `/workspaces/${ws}/members/${viewerId}`, { role: "viewer" });
  const other = await signUp("Oz");
  otherWs = await createWorkspace(other, "Elsewhere");
  otherToken = await createToken(other, otherWs, "write");
});

describe("connecting Bluesky", () => {
  it("refuses a wrong app password with Bluesky's own words, storing nothing", async () => {
    const response = await connect(ownerToken, { handle: "alice.bsky.test", appPassword: "wrong", serviceUrl: PDS });
    expect(response.status).toBe(422);
    expect(((await response.json()) as ErrorJson).error.message).toBe("Bluesky refused the sign-in: AuthenticationRequired: Invalid identifier or password");
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM social_accounts WHERE workspace_id = ?").bind(ws).first("n")).toBe(0);
  });

  it("answers bad input with a 4xx naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ appPassword: PASSWORD }, "handle"],
      [{ handle: "not a handle", appPassword: PASSWORD }, "handle"],
      [{ handle: "alice.bsky.test" }, "appPassword"],
      [{ handle: "alice.bsky.test", appPassword: PASSWORD, serviceUrl: "http://pds.bsky.test" }, "serviceUrl"],
      [{ handle: "alice.bsky.test", appPassword: PASSWORD, serviceUrl: "https://10.0.0.8" }, "serviceUrl"],
      [{ handle: "alice.bsky.test", appPassword: PASSWORD, serviceUrl: "https://pds.internal-dns.test" }, "serviceUrl"],
      // This machine only with ALLOW_LOOPBACK=1, which nothing sets by default.
      [{ handle: "alice.bsky.test", appPassword: PASSWORD, serviceUrl: "http://127.0.0.1:8999" }, "serviceUrl"],
      [{ handle: "alice.bsky.test", appPassword: PASSWORD, serviceUrl: "https://localhost" }, "serviceUrl"],
    ];
    for (const [input, field] of cases) {
      const response = await connect(ownerToken, input);
      expect(response.status, JSON.stringify(input)).toBe(422);
      expect(Object.keys(((await response.json()) as ErrorJson).error.fields ?? {}), JSON.stringify(input)).toContain(field);
    }
  });

  it("connects with an app password, shows the account without credentials, and seals them in D1", async () => {
    const response = await connect(ownerToken, { handle: "@Alice.bsky.test", appPassword: PASSWORD, serviceUrl: PDS });
    expect(response.status).toBe(201);
    const account = (await response.json()) as AccountJson & Record<string, unknown>;
    expect(account).toMatchObject({ platform: "bluesky", handle: "alice.bsky.test", status: "connected" });
    expect(account).not.toHaveProperty("credentials");
    expect(Date.parse(account.tokenExpiresAt!)).toBeGreaterThan(Date.now() + 80 * 86400_000);
    const row = await env.DB.prepare("SELECT credentials FROM social_accounts WHERE id = ?").bind(account.id).first<{ credentials: string }>();
    expect(row!.credentials).toMatch(/^v1\./);
    expect(row!.credentials).not.toContain(PASSWORD);
    // Connecting again updates the same account rather than adding a second.
    expect((await connect(ownerToken, { handle: "alice.bsky.test", appPassword: PASSWORD, serviceUrl: PDS })).status).toBe(201);
    const list = (await (await api(ownerToken, "GET", `/workspaces/${ws}/accounts`)).json()) as { accounts: AccountJson[] };
    expect(list.accounts.map((a) => a.handle)).toEqual(["alice.bsky.test"]);
    const page = await (await owner.get(`/w/${ws}/accounts`)).text();
    expect(page).toContain("alice.bsky.test");
    expect(page).not.toContain(PASSWORD);
  });

  it("lets a viewer see accounts but not connect or disconnect them", async () => {
    expect((await api(viewerToken, "GET", `/workspaces/${ws}/accounts`)).status).toBe(200);
    expect((await connect(viewerToken, { handle: "alice.bsky.test", appPassword: PASSWORD, serviceUrl: PDS })).status).toBe(403);
    const [account] = ((await (await api(viewerToken, "GET", `/workspaces/${ws}/accounts`)).json()) as { accounts: AccountJson[] }).accounts;
    expect((await api(viewerToken, "DELETE", `/workspaces/${ws}/accounts/${account!.id}`)).status).toBe(403);
  });

  it("keeps accounts to their workspace", async () => {
    const [account] = ((await (await api(ownerToken, "GET", `/workspaces/${ws}/accounts`)).json()) as { accounts: AccountJson[] }).accounts;
    expect((await api(otherToken, "GET", `/workspaces/${ws}/accounts`)).status).toBe(404);
    expect((await connect(otherToken, { handle: "alice.bsky.test", appPassword: PASSWORD, serviceUrl: PDS })).status).toBe(404);
    expect((await api(otherToken, "DELETE", `/workspaces/${ws}/accounts/${account!.id}`)).status).toBe(404);
    expect((await api(otherToken, "DELETE", `/workspaces/${otherWs}/accounts/${account!.id}`)).status).toBe(404);
  });
});

describe("scheduling content to connected accounts", () => {
  async function approvedPost(title: string, text: string): Promise<string> {
    const created = await api(ownerToken, "POST", `/workspaces/${ws}/content`, { kind: "post", title, variants: [{ platform: "bluesky", text }, { platform: "x", text }] });
    const { id } = (await created.json()) as { id: string };
    for (const action of ["submit", "approve"]) expect((await api(ownerToken, "POST", `/workspaces/${ws}/content/${id}/transitions`, { action })).status).toBe(200);
    return id;
  }
  const publicationsOf = async (id: string, token = ownerToken) => ((await (await api(token, "GET", `/workspaces/${ws}/content/${id}/publications`)).json()) as { publications: PublicationJson[] }).publications;

  it("creates a publication per variant and connected account at the scheduled instant and zone; unscheduling cancels it", async () => {
    const id = await approvedPost("Going out", "Hello Bluesky");
    const year = new Date().getUTCFullYear() + 1;
    const scheduled = await api(ownerToken, "POST", `/workspaces/${ws}/content/${id}/transitions`, { action: "schedule", scheduledAt: `${year}-03-01T09:00:00+01:00` });
    expect(scheduled.status).toBe(200);
    // Only Bluesky has a connected account: the X variant has nowhere to go.
    expect(await publicationsOf(id)).toEqual([expect.objectContaining({ platform: "bluesky", handle: "alice.bsky.test", status: "scheduled", scheduledAt: `${year}-03-01T08:00:00.000Z`, scheduledZone: "Europe/Paris" })]);
    const page = await (await owner.get(`/w/${ws}/content/${id}`)).text();
    expect(page).toContain("Publications");
    expect(page).toContain(`${year}-03-01 09:00`);

    // The account cannot be disconnected while something waits for it.
    const [account] = ((await (await api(ownerToken, "GET", `/workspaces/${ws}/accounts`)).json()) as { accounts: AccountJson[] }).accounts;
    const refused = await api(ownerToken, "DELETE", `/workspaces/${ws}/accounts/${account!.id}`);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as ErrorJson).error.message).toContain("unschedule them first");

    expect((await api(ownerToken, "POST", `/workspaces/${ws}/content/${id}/transitions`, { action: "unschedule" })).status).toBe(200);
    expect((await publicationsOf(id))[0]!.status).toBe("cancelled");
  });

  it("moves publications across a daylight-saving change keeping the wall-clock time, in two zones", async () => {
    // Between 1 March and 10 April both Paris (last Sunday of March) and New York (second Sunday)
    // move their clocks forward: 09:00 local is one hour earlier in UTC after the change.
    const year = new Date().getUTCFullYear() + 1;
    const ny = await createWorkspace(owner, "New York desk");
    const nyToken = await createToken(owner, ny, "write");
    await owner.post(`/w/${ny}/settings`, { name: "New York desk", timezone: "America/New_York", allowSelfApproval: "on" });
    expect((await connect(nyToken, { handle: "alice.bsky.test", appPassword: PASSWORD, serviceUrl: PDS }, ny)).status).toBe(201);
    for (const [workspace, token, offset, before, after] of [
      [ws, ownerToken, "+01:00", "08:00", "07:00"],
      [ny, nyToken, "-05:00", "14:00", "13:00"],
    ] as const) {
      const created = await api(token, "POST", `/workspaces/${workspace}/content`, { kind: "post", title: "Spring", variants: [{ platform: "bluesky", text: "Spring is here" }] });
      const { id } = (await created.json()) as { id: string };
      for (const action of ["submit", "approve"]) await api(token, "POST", `/workspaces/${workspace}/content/${id}/transitions`, { action });
      await api(token, "POST", `/workspaces/${workspace}/content/${id}/transitions`, { action: "schedule", scheduledAt: `${year}-03-01T09:00:00${offset}` });
      const list = async () => ((await (await api(token, "GET", `/workspaces/${workspace}/content/${id}/publications`)).json()) as { publications: PublicationJson[] }).publications;
      expect((await list())[0]!.scheduledAt).toBe(`${year}-03-01T${before}:00.000Z`);
      expect((await api(token, "POST", `/workspaces/${workspace}/calendar/moves`, { contentId: id, day: `${year}-04-10` })).status).toBe(200);
      expect((await list())[0]!.scheduledAt).toBe(`${year}-04-10T${after}:00.000Z`);
    }
  });

  it("shows publications to members only, and not across workspaces", async () => {
    const id = await approvedPost("Visible", "Seen by members");
    expect((await api(viewerToken, "GET", `/workspaces/${ws}/content/${id}/publications`)).status).toBe(200);
    expect((await api(otherToken, "GET", `/workspaces/${ws}/content/${id}/publications`)).status).toBe(404);
  });
});
