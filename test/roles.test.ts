/**
 * The role table, route by route: every role against every protected route, in the UI and the API.
 * Expectations are written out by hand (not computed from lib/domain/roles.ts), so a change to the
 * enforced rules that is not also a deliberate change here fails.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, api, Browser, createToken, createWorkspace, signUp } from "./support/client";

type Role = "owner" | "admin" | "editor" | "viewer";
const ROLES: Role[] = ["owner", "admin", "editor", "viewer"];
const all = ROLES;
const managers: Role[] = ["owner", "admin"];

let workspaceId: string;
let owner: Browser;
const people = {} as Record<Role, Browser>;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  owner = await signUp("Owner");
  workspaceId = await createWorkspace(owner, "Roles Inc");
  people.owner = owner;
  for (const role of ["admin", "editor", "viewer"] as const) {
    people[role] = await signUp(role);
    await addMember(owner, workspaceId, people[role], role);
  }
  // Tokens are created by the owner and re-pointed below: a token acts with its creator's role, so
  // each role needs its own creator. Only managers may create tokens, so others get theirs by
  // being promoted briefly.
  for (const role of ROLES) {
    if (role === "owner") tokens.owner = await createToken(owner, workspaceId, "write");
    else {
      const id = await memberId(people[role]);
      await owner.post(`/w/${workspaceId}/members/${id}/role`, { role: "admin" });
      tokens[role] = await createToken(people[role], workspaceId, "write");
      await owner.post(`/w/${workspaceId}/members/${id}/role`, { role });
    }
  }
});

async function memberId(browser: Browser): Promise<string> {
  const html = await (await browser.get(`/w/${workspaceId}/members`)).text();
  return html.match(/id="member-(usr_[a-z0-9]+)"><td>[^<]*\(you\)/)![1]!;
}

/** A fresh editor to change or remove, so each case acts on its own target. */
async function freshMember(): Promise<string> {
  return addMember(owner, workspaceId, await signUp("Target"), "editor");
}

async function freshInvite(): Promise<string> {
  const response = await api(tokens.owner, "POST", `/workspaces/${workspaceId}/invites`, { role: "viewer" });
  return ((await response.json()) as { id: string }).id;
}

async function freshToken(): Promise<string> {
  const response = await api(tokens.owner, "POST", `/workspaces/${workspaceId}/tokens`, { name: "target", scope: "read" });
  return ((await response.json()) as { id: string }).id;
}

type Case = { name: string; allowed: Role[]; ui: (b: Browser) => Promise<Response>; api: (t: string) => Promise<Response> };

const w = () => `/w/${workspaceId}`;
const v = () => `/workspaces/${workspaceId}`;

const cases: Case[] = [
  { name: "view workspace", allowed: all, ui: (b) => b.get(w()), api: (t) => api(t, "GET", v()) },
  { name: "list members", allowed: all, ui: (b) => b.get(`${w()}/members`), api: (t) => api(t, "GET", `${v()}/members`) },
  {
    name: "rename workspace",
    allowed: managers,
    ui: (b) => b.post(`${w()}/settings`, { name: "Roles Inc" }),
    api: (t) => api(t, "PATCH", v(), { name: "Roles Inc" }),
  },
  {
    name: "invite",
    allowed: managers,
    ui: (b) => b.post(`${w()}/invites`, { role: "viewer", email: "" }),
    api: (t) => api(t, "POST", `${v()}/invites`, { role: "viewer" }),
  },
  { name: "list invites", allowed: managers, ui: (b) => b.get(`${w()}/members`), api: (t) => api(t, "GET", `${v()}/invites`) },
  {
    name: "revoke invite",
    allowed: managers,
    ui: async (b) => b.post(`${w()}/invites/${await freshInvite()}/revoke`),
    api: async (t) => api(t, "DELETE", `${v()}/invites/${await freshInvite()}`),
  },
  {
    name: "change a member's role",
    allowed: managers,
    ui: async (b) => b.post(`${w()}/members/${await freshMember()}/role`, { role: "viewer" }),
    api: async (t) => api(t, "PATCH", `${v()}/members/${await freshMember()}`, { role: "viewer" }),
  },
  {
    name: "remove a member",
    allowed: managers,
    ui: async (b) => b.post(`${w()}/members/${await freshMember()}/remove`),
    api: async (t) => api(t, "DELETE", `${v()}/members/${await freshMember()}`),
  },
  { name: "list tokens", allowed: managers, ui: (b) => b.get(`${w()}/tokens`), api: (t) => api(t, "GET", `${v()}/tokens`) },
  {
    name: "create token",
    allowed: managers,
    ui: (b) => b.post(`${w()}/tokens`, { name: "x", scope: "read" }),
    api: (t) => api(t, "POST", `${v()}/tokens`, { name: "x", scope: "read" }),
  },
  {
    name: "revoke token",
    allowed: managers,
    ui: async (b) => b.post(`${w()}/tokens/${await freshToken()}/revoke`),
    api: async (t) => api(t, "DELETE", `${v()}/tokens/${await freshToken()}`),
  },
  { name: "audit log", allowed: managers, ui: (b) => b.get(`${w()}/audit`), api: (t) => api(t, "GET", `${v()}/audit-log`) },
];

describe.each(cases)("$name", (c) => {
  it.each(ROLES)("as %s in the UI", async (role) => {
    const response = await c.ui(people[role]);
    if (c.name === "list invites") {
      // The members page is open to all; only managers see the invitations on it.
      expect(response.status).toBe(200);
      expect((await response.text()).includes('id="invites"')).toBe(c.allowed.includes(role));
    } else if (c.allowed.includes(role)) expect(response.status, await response.clone().text()).toBeLessThan(400);
    else expect(response.status).toBe(403);
  });

  it.each(ROLES)("as %s through the API", async (role) => {
    const response = await c.api(tokens[role]);
    if (c.allowed.includes(role)) expect(response.status, await response.clone().text()).toBeLessThan(300);
    else {
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    }
  });
});

describe("owner-only rules", () => {
  it("an admin cannot make someone an owner, nor invite one", async () => {
    const target = await freshMember();
    expect((await people.admin.post(`${w()}/members/${target}/role`, { role: "owner" })).status).toBe(403);
    expect((await api(tokens.admin, "POST", `${v()}/invites`, { role: "owner" })).status).toBe(403);
    expect((await people.owner.post(`${w()}/members/${target}/role`, { role: "owner" })).status).toBe(303);
    // Now an owner: the admin can neither demote nor remove them.
    expect((await people.admin.post(`${w()}/members/${target}/role`, { role: "viewer" })).status).toBe(403);
    expect((await people.admin.post(`${w()}/members/${target}/remove`)).status).toBe(403);
  });
});
