import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, Browser, createWorkspace, destination, signUp } from "./support/client";

// LinkedIn's tokens can post as the member and the pages they administer: the person chooses which
// to connect, on a page bound to them and their workspace (test/fakes/linkedin.ts).
let owner: Browser;
let admin: Browser;
let stranger: Browser;
let ws: string;

/** Runs the flow up to the choice; returns the pick page's path. */
async function toChoice(browser: Browser, workspace = ws): Promise<string> {
  const started = await browser.post(`/w/${workspace}/accounts/connect/linkedin`, {}, { htmx: true });
  expect(started.status, await started.clone().text()).toBe(204);
  const authorize = new URL(started.headers.get("hx-redirect")!);
  expect(authorize.origin + authorize.pathname).toBe("https://www.linkedin.com/oauth/v2/authorization");
  expect(authorize.searchParams.has("code_challenge")).toBe(false);
  const consent = await fetch(authorize, { redirect: "manual" });
  const back = new URL(consent.headers.get("location")!);
  const callback = await browser.get(back.pathname + back.search);
  expect(callback.status, await callback.clone().text()).toBe(303);
  const pick = destination(callback)!;
  expect(pick).toMatch(new RegExp(`^/w/${workspace}/accounts/connect/pick/ocf_`));
  return pick;
}

const linkedinAccounts = async (workspace: string) =>
  (await env.DB.prepare("SELECT external_id, display_name FROM social_accounts WHERE workspace_id = ? AND platform = 'linkedin' ORDER BY external_id").bind(workspace).all<{ external_id: string; display_name: string }>()).results;

beforeAll(async () => {
  owner = await signUp("Lou");
  ws = await createWorkspace(owner, "Pages Co");
  admin = await signUp("Ari");
  await addMember(owner, ws, admin, "admin");
  stranger = await signUp("Stu");
});

describe("choosing LinkedIn accounts", () => {
  it("offers the member and their pages, and connects only those chosen", async () => {
    const pick = await toChoice(owner);
    const page = await (await owner.get(pick)).text();
    for (const name of ["Lina Example", "Acme Inc.", "Acme Labs"]) expect(page).toContain(name);
    expect(await linkedinAccounts(ws)).toEqual([]);
    // Nothing chosen.
    expect((await owner.post(pick, {})).status).toBe(422);
    const chosen = await owner.post(pick, { account: "urn:li:organization:1002" });
    expect(chosen.status).toBe(303);
    expect(destination(chosen)).toBe(`/w/${ws}/accounts`);
    expect(await linkedinAccounts(ws)).toEqual([{ external_id: "urn:li:organization:1002", display_name: "Acme Labs" }]);
    // The offer is used up.
    expect((await owner.get(pick)).status).toBe(404);
  });

  it("takes several at once from a plain form (repeated fields)", async () => {
    const other = await createWorkspace(owner, "Both");
    const pick = await toChoice(owner, other);
    const body = new URLSearchParams([["_csrf", owner.cookies.get("__Host-csrf")!], ["account", "urn:li:person:aBcD3fGh1"], ["account", "urn:li:organization:1001"]]).toString();
    // Browser.post sends one value per name: the repeated fields go through the Worker's fetch directly.
    const cookie = [...owner.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const raw = await exports.default.fetch(
      new Request(`https://engine.test${pick}`, { method: "POST", redirect: "manual", headers: { cookie, origin: "https://engine.test", "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" }, body }),
    );
    expect(raw.status).toBe(303);
    expect((await linkedinAccounts(other)).map((a) => a.external_id)).toEqual(["urn:li:organization:1001", "urn:li:person:aBcD3fGh1"]);
  });

  it("refuses accounts that were not offered, a choice without CSRF, and an expired offer, with a 4xx", async () => {
    const other = await createWorkspace(owner, "Checks");
    const pick = await toChoice(owner, other);
    expect((await owner.post(pick, { account: "urn:li:organization:9999" })).status).toBe(422);
    expect((await owner.post(pick, { account: "urn:li:organization:1001" }, { csrf: false })).status).toBe(403);
    expect(await linkedinAccounts(other)).toEqual([]);
    await env.DB.prepare("UPDATE oauth_flows SET expires_at = ? WHERE workspace_id = ? AND stage = 'pick'").bind(Date.now() - 1000, other).run();
    expect((await owner.post(pick, { account: "urn:li:organization:1001" })).status).toBe(410);
    expect((await owner.get(pick)).status).toBe(410);
    expect(await linkedinAccounts(other)).toEqual([]);
  });

  it("keeps the offer to the person who connected, in their workspace", async () => {
    const pick = await toChoice(owner);
    // Another member of the same workspace, an outsider, and the owner through another workspace.
    expect((await admin.get(pick)).status).toBe(404);
    expect((await admin.post(pick, { account: "urn:li:organization:1001" })).status).toBe(404);
    expect((await stranger.get(pick)).status).toBe(404);
    const elsewhere = await createWorkspace(owner, "Elsewhere");
    expect((await owner.get(pick.replace(ws, elsewhere))).status).toBe(404);
    expect((await owner.get(`/w/${ws}/accounts/connect/pick/ocf_doesnotexist`)).status).toBe(404);
    expect((await owner.get(pick)).status).toBe(200);
  });
});
