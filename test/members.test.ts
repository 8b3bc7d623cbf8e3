import { env } from "cloudflare:workers";
import { AREAS } from "../workers/api/views/areas";
import { describe, expect, it } from "vitest";
import { addMember, Browser, createWorkspace, destination, signUp } from "./support/client";

async function inviteLink(owner: Browser, ws: string, role: string, email = ""): Promise<string> {
  const html = await (await owner.post(`/w/${ws}/invites`, { role, email }, { htmx: true })).text();
  const links = [...html.matchAll(/value="https:\/\/engine\.test(\/invite\/[^"]+)"/g)].map((m) => m[1]!);
  return links[links.length - 1]!;
}

const auditActions = async (ws: string) =>
  (await env.DB.prepare("SELECT action FROM audit_log WHERE workspace_id = ? ORDER BY id").bind(ws).all<{ action: string }>()).results.map((r) => r.action);

describe("workspaces", () => {
  it("the creator is the owner, and creation, rename and time zone are audited", async () => {
    const owner = await signUp("Olga");
    const ws = await createWorkspace(owner, "Olga's Letters");
    expect((await owner.post(`/w/${ws}/settings`, { name: "Olga Weekly", timezone: "Europe/Paris" })).status).toBe(303);
    const html = await (await owner.get(`/w/${ws}`)).text();
    expect(html).toContain("Olga Weekly");
    expect(html).toContain("Europe/Paris");
    expect(await auditActions(ws)).toEqual(["workspace.created", "workspace.updated"]);
  });

  it("escapes names everywhere they are shown", async () => {
    const owner = await signUp("<img src=x onerror=alert(1)>", "xss.owner@example.com");
    const ws = await createWorkspace(owner, "<script>alert(1)</script>");
    const html = await (await owner.get(`/w/${ws}/members`)).text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;script&gt;");
  });

  it("has a page for every area of its navigation, none of them a placeholder", async () => {
    const owner = await signUp("Emma");
    const ws = await createWorkspace(owner);
    for (const area of AREAS) {
      const response = await owner.get(`/w/${ws}${area.slug ? `/${area.slug}` : ""}`);
      expect(response.status, area.label).toBe(200);
      expect(await response.text(), area.label).not.toContain("Nothing here yet");
    }
    const publishing = await (await owner.get(`/w/${ws}/publishing`)).text();
    expect(publishing).toContain("No accounts yet");
    expect(publishing).toContain(`/w/${ws}/publications/failed`);
  });
});

describe("invitations", () => {
  it("a signed link adds the invitee with the invited role, once", async () => {
    const owner = await signUp("Ivy");
    const ws = await createWorkspace(owner);
    const link = await inviteLink(owner, ws, "editor");
    const invitee = await signUp("Jon");
    const page = await invitee.get(link);
    expect(await page.text()).toContain("invited as <strong>editor</strong>");
    const accepted = await invitee.post(link);
    expect(destination(accepted)).toBe(`/w/${ws}`);
    const members = await (await owner.get(`/w/${ws}/members`)).text();
    expect(members).toMatch(/Jon<\/td><td>[^<]+<\/td><td><form/);
    const again = await (await signUp("Kim")).post(link);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("already been used");
    expect(await auditActions(ws)).toEqual(["workspace.created", "invite.created", "invite.accepted"]);
  });

  it("sends someone signed out to log in first and back to the invitation", async () => {
    const owner = await signUp("Lou");
    const ws = await createWorkspace(owner);
    const link = await inviteLink(owner, ws, "viewer");
    const response = await new Browser().get(link);
    expect(destination(response)).toBe(`/login?next=${encodeURIComponent(link)}`);
  });

  it("refuses a forged, altered, revoked or expired link", async () => {
    const owner = await signUp("Max");
    const ws = await createWorkspace(owner);
    const invitee = await signUp("Ned");
    const link = await inviteLink(owner, ws, "admin");
    const [head, payload, signature] = link.slice("/invite/".length).split(".");
    const altered = `/invite/${head}.${payload}.${signature!.slice(0, -2)}AA`;
    expect((await invitee.post(altered)).status).toBe(410);

    const id = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/"))).iid as string;
    await owner.post(`/w/${ws}/invites/${id}/revoke`);
    const revoked = await invitee.post(link);
    expect(revoked.status).toBe(410);
    expect(await revoked.text()).toContain("withdrawn");

    const second = await inviteLink(owner, ws, "viewer");
    const secondId = JSON.parse(atob(second.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).iid as string;
    await env.DB.prepare("UPDATE invites SET expires_at = ? WHERE id = ?").bind(Date.now() - 1000, secondId).run();
    const expired = await invitee.post(second);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain("expired");
    const memberships = await env.DB.prepare("SELECT COUNT(*) AS n FROM memberships WHERE workspace_id = ?").bind(ws).first<{ n: number }>();
    expect(memberships?.n).toBe(1);
  });

  it("an invitation for an email only works for that account", async () => {
    const owner = await signUp("Oli");
    const ws = await createWorkspace(owner);
    const meant = await signUp("Pia");
    const link = await inviteLink(owner, ws, "editor", meant.email);
    const other = await signUp("Quin");
    const refused = await other.post(link);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain(meant.email);
    expect((await meant.post(link)).status).toBe(303);
  });
});

describe("the last owner", () => {
  it("cannot be demoted, removed or leave; with a second owner they can, all audited", async () => {
    const owner = await signUp("Ray");
    const ws = await createWorkspace(owner);
    const me = (await (await owner.get(`/w/${ws}/members`)).text()).match(/id="member-(usr_[a-z0-9]+)"/)![1]!;
    const demote = await owner.post(`/w/${ws}/members/${me}/role`, { role: "admin" });
    expect(demote.status).toBe(409);
    const leave = await owner.post(`/w/${ws}/members/${me}/remove`);
    expect(leave.status).toBe(409);
    expect(await leave.text()).toContain("at least one owner");

    const second = await signUp("Sue");
    const secondId = await addMember(owner, ws, second, "admin");
    // The second owner demotes the first: allowed while another owner remains.
    expect((await owner.post(`/w/${ws}/members/${secondId}/role`, { role: "owner" })).status).toBe(303);
    expect((await second.post(`/w/${ws}/members/${me}/role`, { role: "editor" })).status).toBe(303);
    const lastLeave = await second.post(`/w/${ws}/members/${secondId}/remove`);
    expect(lastLeave.status).toBe(409);
    expect((await owner.post(`/w/${ws}/members/${me}/remove`)).status).toBe(303);
    expect((await owner.get(`/w/${ws}`)).status).toBe(404);
    const actions = await auditActions(ws);
    expect(actions.filter((a) => a === "member.role_changed")).toHaveLength(2);
    expect(actions).toContain("member.left");
    // Refused changes wrote no audit rows.
    expect(actions).toHaveLength(["workspace.created", "invite.created", "invite.accepted", "member.role_changed", "member.role_changed", "member.left"].length);
  });
});

describe("CSRF", () => {
  it("refuses a form post without the token, with a wrong token, or from another site, and writes nothing", async () => {
    const owner = await signUp("Tom");
    const ws = await createWorkspace(owner, "Safe");
    const attempts = [
      owner.post(`/w/${ws}/settings`, { name: "Pwned" }, { csrf: false }),
      owner.post(`/w/${ws}/settings`, { name: "Pwned" }, { headers: { "x-csrf-token": "guessed" } }),
      owner.post(`/w/${ws}/settings`, { name: "Pwned" }, { headers: { "sec-fetch-site": "cross-site" } }),
      owner.post(`/w/${ws}/settings`, { name: "Pwned" }, { headers: { origin: "https://evil.example" } }),
      owner.post("/logout", {}, { csrf: false }),
    ];
    const statuses = (await Promise.all(attempts)).map((r) => r.status);
    expect(statuses).toEqual([403, 403, 403, 403, 403]);
    const row = await env.DB.prepare("SELECT name FROM workspaces WHERE id = ?").bind(ws).first<{ name: string }>();
    expect(row?.name).toBe("Safe");
    expect((await owner.get(`/w/${ws}`)).status).toBe(200);
  });

  it("accepts the token as a form field for browsers without JavaScript", async () => {
    const owner = await signUp("Uma");
    const ws = await createWorkspace(owner, "Plain");
    const response = await owner.post(`/w/${ws}/settings`, { name: "Plain Form", _csrf: owner.cookies.get("__Host-csrf")! }, { csrf: false });
    expect(response.status).toBe(303);
  });
});
