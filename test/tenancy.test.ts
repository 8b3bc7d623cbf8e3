/**
 * Tenant isolation: a member (even an owner) of workspace A gets 404 for every resource of workspace
 * B, by id, through the UI and the API, and nothing in B changes.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, api, Browser, createToken, createWorkspace, signUp } from "./support/client";

let alice: Browser;
let aliceWs: string;
let aliceToken: string;
let bobWs: string;
let bobMember: string;
let bobInvite: string;
let bobTokenId: string;

beforeAll(async () => {
  alice = await signUp("Alice");
  aliceWs = await createWorkspace(alice, "Alice Co");
  aliceToken = await createToken(alice, aliceWs, "write");
  const bob = await signUp("Bob");
  bobWs = await createWorkspace(bob, "Bob Co");
  bobMember = await addMember(bob, bobWs, await signUp("Carol"), "editor");
  const bobToken = await createToken(bob, bobWs, "write");
  bobInvite = ((await (await api(bobToken, "POST", `/workspaces/${bobWs}/invites`, { role: "viewer" })).json()) as { id: string }).id;
  bobTokenId = ((await (await api(bobToken, "GET", `/workspaces/${bobWs}/tokens`)).json()) as { tokens: { id: string }[] }).tokens[0]!.id;
});

async function bobState() {
  return {
    workspace: await env.DB.prepare("SELECT name FROM workspaces WHERE id = ?").bind(bobWs).first(),
    members: (await env.DB.prepare("SELECT user_id, role FROM memberships WHERE workspace_id = ? ORDER BY user_id").bind(bobWs).all()).results,
    invites: (await env.DB.prepare("SELECT id, revoked_at FROM invites WHERE workspace_id = ?").bind(bobWs).all()).results,
    tokens: (await env.DB.prepare("SELECT id, revoked_at FROM api_tokens WHERE workspace_id = ?").bind(bobWs).all()).results,
  };
}

describe("through the UI", () => {
  const paths = () => [
    ["GET", `/w/${bobWs}`],
    ["GET", `/w/${bobWs}/settings`],
    ["GET", `/w/${bobWs}/members`],
    ["GET", `/w/${bobWs}/tokens`],
    ["GET", `/w/${bobWs}/audit`],
    ["GET", `/w/${bobWs}/content`],
    ["POST", `/w/${bobWs}/settings`],
    ["POST", `/w/${bobWs}/invites`],
    ["POST", `/w/${bobWs}/invites/${bobInvite}/revoke`],
    ["POST", `/w/${bobWs}/members/${bobMember}/role`],
    ["POST", `/w/${bobWs}/members/${bobMember}/remove`],
    ["POST", `/w/${bobWs}/tokens`],
    ["POST", `/w/${bobWs}/tokens/${bobTokenId}/revoke`],
    // B's ids under A's own workspace path.
    ["POST", `/w/${aliceWs}/invites/${bobInvite}/revoke`],
    ["POST", `/w/${aliceWs}/members/${bobMember}/role`],
    ["POST", `/w/${aliceWs}/members/${bobMember}/remove`],
    ["POST", `/w/${aliceWs}/tokens/${bobTokenId}/revoke`],
  ];

  it("answers 404 for every path and id of another workspace, changing nothing", async () => {
    const before = await bobState();
    for (const [method, path] of paths()) {
      const body = { name: "Hacked", role: "viewer", email: "", scope: "write" };
      const response = method === "GET" ? await alice.get(path!) : await alice.post(path!, body);
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    expect(await bobState()).toEqual(before);
  });

  it("does not list the other workspace in the switcher", async () => {
    const html = await (await alice.get(`/w/${aliceWs}`)).text();
    expect(html).toContain("Alice Co");
    expect(html).not.toContain("Bob Co");
  });
});

describe("through the API", () => {
  it("answers 404 for every path and id of another workspace, changing nothing", async () => {
    const before = await bobState();
    const calls: [string, string, unknown?][] = [
      ["GET", `/workspaces/${bobWs}`],
      ["PATCH", `/workspaces/${bobWs}`, { name: "Hacked" }],
      ["GET", `/workspaces/${bobWs}/members`],
      ["PATCH", `/workspaces/${bobWs}/members/${bobMember}`, { role: "viewer" }],
      ["DELETE", `/workspaces/${bobWs}/members/${bobMember}`],
      ["GET", `/workspaces/${bobWs}/invites`],
      ["POST", `/workspaces/${bobWs}/invites`, { role: "viewer" }],
      ["DELETE", `/workspaces/${bobWs}/invites/${bobInvite}`],
      ["GET", `/workspaces/${bobWs}/tokens`],
      ["POST", `/workspaces/${bobWs}/tokens`, { name: "x", scope: "write" }],
      ["DELETE", `/workspaces/${bobWs}/tokens/${bobTokenId}`],
      ["GET", `/workspaces/${bobWs}/audit-log`],
      ["PATCH", `/workspaces/${aliceWs}/members/${bobMember}`, { role: "viewer" }],
      ["DELETE", `/workspaces/${aliceWs}/members/${bobMember}`],
      ["DELETE", `/workspaces/${aliceWs}/invites/${bobInvite}`],
      ["DELETE", `/workspaces/${aliceWs}/tokens/${bobTokenId}`],
    ];
    for (const [method, path, body] of calls) {
      const response = await api(aliceToken, method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
    expect(await bobState()).toEqual(before);
  });

  it("does not show another workspace's events in the audit log", async () => {
    const body = (await (await api(aliceToken, "GET", `/workspaces/${aliceWs}/audit-log?limit=200`)).json()) as { entries: { targetId: string }[] };
    expect(body.entries.length).toBeGreaterThan(0);
    for (const entry of body.entries) expect([bobWs, bobMember, bobInvite, bobTokenId]).not.toContain(entry.targetId);
  });
});
