import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { database } from "../lib/db/client";
import { nextFreeSlot } from "../workers/api/publications/slots";
import { addMember, api, Browser, createToken, createWorkspace, signUp } from "./support/client";

// Posting slots, "add to queue", "publish now" and reordering an account's queue, through the REST
// API and the pages, with a Bluesky account connected to the fake PDS (test/fakes/bluesky.ts).
const PDS = "https://pds.bsky.test";

type ErrorJson = { error: { code: string; message: string; fields?: Record<string, string> } };
type QueueJson = { queue: { id: string; contentId: string; title: string; scheduledAt: string }[] };
type ContentJson = { id: string; status: string; scheduledAt: string | null };

let owner: Browser;
let ws: string;
let token: string;
let viewerToken: string;
let otherToken: string;
let otherWs: string;
let accountId: string;

beforeAll(async () => {
  owner = await signUp("Quinn");
  ws = await createWorkspace(owner, "Queue Co");
  token = await createToken(owner, ws, "write");
  await owner.post(`/w/${ws}/settings`, { name: "Queue Co", timezone: "Europe/Paris", allowSelfApproval: "on" });
  const viewer = await signUp("Vic");
  const viewerId = await addMember(owner, ws, viewer, "admin");
  viewerToken = await createToken(viewer, ws, "write");
  await api(token, "PATCH", `/workspaces/${ws}/members/${viewerId}`, { role: "viewer" });
  const other = await signUp("Olly");
  otherWs = await createWorkspace(other, "Other Co");
  otherToken = await createToken(other, otherWs, "write");
  const connected = await api(token, "POST", `/workspaces/${ws}/accounts/bluesky`, { handle: "alice.bsky.test", appPassword: "app-pass-word-1234", serviceUrl: PDS });
  accountId = ((await connected.json()) as { id: string }).id;
});

async function approved(title: string, platform = "bluesky"): Promise<string> {
  const created = await api(token, "POST", `/workspaces/${ws}/content`, { kind: "post", title, variants: [{ platform, text: `${title}: out at its slot` }] });
  const { id } = (await created.json()) as { id: string };
  for (const action of ["submit", "approve"]) expect((await api(token, "POST", `/workspaces/${ws}/content/${id}/transitions`, { action })).status).toBe(200);
  return id;
}
const transition = (id: string, body: Record<string, unknown>) => api(token, "POST", `/workspaces/${ws}/content/${id}/transitions`, body);
const queueOf = async () => ((await (await api(token, "GET", `/workspaces/${ws}/accounts/${accountId}/queue`)).json()) as QueueJson).queue;

describe("the next free slot", () => {
  const db = () => database(env.DB);
  async function slotsFor(zone: string, slots: [number, string][]) {
    const workspace = `ws_slots_${zone.replace(/\W/g, "")}`;
    const account = `acc_slots_${zone.replace(/\W/g, "")}`;
    await env.DB.batch([
      env.DB.prepare("INSERT INTO workspaces (id, name, timezone) VALUES (?, 'Slots', ?)").bind(workspace, zone),
      env.DB.prepare("INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, ?, 'bluesky', ?, 'h.test', ?, 'x')").bind(account, workspace, account, PDS),
      ...slots.map(([weekday, time], i) => env.DB.prepare("INSERT INTO posting_slots (id, workspace_id, account_id, weekday, time) VALUES (?, ?, ?, ?, ?)").bind(`slt_${account}_${i}`, workspace, account, weekday, time)),
    ]);
    return (now: string) => nextFreeSlot(db(), workspace, zone, [account], Date.parse(now)).then((d) => d?.toISOString());
  }

  it("keeps a slot's wall-clock time across daylight-saving changes, in two zones", async () => {
    // Monday 09:00. Paris leaves CET (UTC+1) for CEST (UTC+2) on 29 March 2026; New York leaves EST
    // (UTC-5) for EDT (UTC-4) on 8 March 2026.
    const paris = await slotsFor("Europe/Paris", [[1, "09:00"]]);
    expect(await paris("2026-03-24T12:00:00Z")).toBe("2026-03-30T07:00:00.000Z");
    expect(await paris("2026-03-20T12:00:00Z")).toBe("2026-03-23T08:00:00.000Z");
    const newYork = await slotsFor("America/New_York", [[1, "09:00"]]);
    expect(await newYork("2026-03-03T12:00:00Z")).toBe("2026-03-09T13:00:00.000Z");
    expect(await newYork("2026-02-25T12:00:00Z")).toBe("2026-03-02T14:00:00.000Z");
  });

  it("skips a slot the clocks skip that day, and says none when there are no slots", async () => {
    // Sunday 02:30 does not exist in Berlin on 29 March 2026: the next is a week later (CEST).
    const berlin = await slotsFor("Europe/Berlin", [[7, "02:30"]]);
    expect(await berlin("2026-03-28T12:00:00Z")).toBe("2026-04-05T00:30:00.000Z");
    expect(await nextFreeSlot(db(), "ws_none", "UTC", ["acc_none"], Date.now())).toBeNull();
  });
});

describe("adding to the queue", () => {
  it("refuses with a reason when the account has no slots", async () => {
    const id = await approved("Slotless");
    const refused = await transition(id, { action: "queue" });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as ErrorJson).error.message).toMatch(/No free posting slot/);
  });

  it("takes the next free slot, then the one after, and a move up swaps their times", async () => {
    const now = new Date();
    // Two slots a day, every day, so the test does not depend on today's weekday.
    for (let weekday = 1; weekday <= 7; weekday++) {
      for (const time of ["06:15", "18:45"]) expect((await api(token, "POST", `/workspaces/${ws}/accounts/${accountId}/slots`, { weekday, time })).status).toBe(200);
    }
    // Adding one twice changes nothing.
    const slots = await api(token, "POST", `/workspaces/${ws}/accounts/${accountId}/slots`, { weekday: 1, time: "06:15" });
    expect(((await slots.json()) as { slots: unknown[] }).slots).toHaveLength(14);

    const first = await approved("First in line");
    const second = await approved("Second in line");
    expect((await transition(first, { action: "queue" })).status).toBe(200);
    expect((await transition(second, { action: "queue" })).status).toBe(200);
    const queue = await queueOf();
    expect(queue.map((e) => e.title)).toEqual(["First in line", "Second in line"]);
    const [a, b] = queue.map((e) => Date.parse(e.scheduledAt)) as [number, number];
    expect(a).toBeGreaterThan(now.getTime());
    expect(b).toBeGreaterThan(a);
    // Both at one of the slot times, in Paris.
    for (const at of [a, b]) expect(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" }).format(at)).toMatch(/^(06:15|18:45)$/);
    const item = (await (await api(token, "GET", `/workspaces/${ws}/content/${first}`)).json()) as ContentJson;
    expect(item.status).toBe("scheduled");
    expect(Date.parse(item.scheduledAt!)).toBe(a);

    const moved = await api(token, "POST", `/workspaces/${ws}/accounts/${accountId}/queue/${queue[1]!.id}/move`, { direction: "up" });
    expect(moved.status).toBe(200);
    const after = ((await moved.json()) as QueueJson).queue;
    expect(after.map((e) => e.title)).toEqual(["Second in line", "First in line"]);
    expect(after.map((e) => Date.parse(e.scheduledAt))).toEqual([a, b]);
    // Each item's calendar time followed its publication.
    expect(Date.parse(((await (await api(token, "GET", `/workspaces/${ws}/content/${second}`)).json()) as ContentJson).scheduledAt!)).toBe(a);
    const edge = await api(token, "POST", `/workspaces/${ws}/accounts/${accountId}/queue/${after[0]!.id}/move`, { direction: "up" });
    expect(edge.status).toBe(409);

    // The accounts page links to the queue; the queue page shows both, in order, with the slots.
    const accountsPage = await (await owner.get(`/w/${ws}/accounts`)).text();
    expect(accountsPage).toContain(`href="/w/${ws}/accounts/${accountId}/queue"`);
    expect(accountsPage).toContain(`href="/w/${ws}/publications/failed"`);
    const page = await (await owner.get(`/w/${ws}/accounts/${accountId}/queue`)).text();
    expect(page.indexOf("Second in line")).toBeLessThan(page.indexOf("First in line"));
    expect(page).toContain("Monday 06:15");
  });

  it("publishes now: scheduled a couple of seconds ahead, from the editor's button too", async () => {
    const id = await approved("Right away");
    const before = Date.now();
    expect((await transition(id, { action: "publish_now" })).status).toBe(200);
    const item = (await (await api(token, "GET", `/workspaces/${ws}/content/${id}`)).json()) as ContentJson;
    expect(item.status).toBe("scheduled");
    expect(Date.parse(item.scheduledAt!) - before).toBeGreaterThanOrEqual(1_000);
    expect(Date.parse(item.scheduledAt!) - before).toBeLessThan(10_000);
    const other = await approved("Right away, from the page");
    const editor = await (await owner.get(`/w/${ws}/content/${other}`)).text();
    expect(editor).toContain('value="publish_now"');
    expect(editor).toContain('value="queue"');
    const posted = await owner.post(`/w/${ws}/content/${other}/transition`, { action: "publish_now" });
    expect(posted.status).toBe(303);
  });

  it("refuses an item none of whose platforms has an account", async () => {
    const id = await approved("Only for Threads", "threads");
    const refused = await transition(id, { action: "queue" });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as ErrorJson).error.code).toBe("no_accounts");
  });
});

describe("failed publications", () => {
  it("lists what failed for good with the platform's message, and Retry puts it back on schedule", async () => {
    const id = await approved("Refused by the platform");
    expect((await transition(id, { action: "schedule", scheduledAt: new Date(Date.now() + 3_600_000).toISOString() })).status).toBe(200);
    // As the publisher leaves it after the platform refused the post for good.
    await env.DB.batch([
      env.DB.prepare("UPDATE publications SET status = 'failed', attempts = 1, last_error = 'Bluesky refused the post: InvalidRequest: Record/text too long' WHERE content_id = ?").bind(id),
      env.DB.prepare("UPDATE content SET status = 'failed' WHERE id = ?").bind(id),
    ]);
    const listed = (await (await api(token, "GET", `/workspaces/${ws}/publications/failed`)).json()) as { publications: { contentId: string; lastError: string; handle: string }[] };
    expect(listed.publications).toEqual([expect.objectContaining({ contentId: id, handle: "alice.bsky.test", lastError: "Bluesky refused the post: InvalidRequest: Record/text too long" })]);
    const page = await (await owner.get(`/w/${ws}/publications/failed`)).text();
    expect(page).toContain("Record/text too long");
    expect(page).toContain('value="retry"');
    expect((await api(viewerToken, "GET", `/workspaces/${ws}/publications/failed`)).status).toBe(200);
    expect((await api(otherToken, "GET", `/workspaces/${ws}/publications/failed`)).status).toBe(404);
    const other = (await (await api(otherToken, "GET", `/workspaces/${otherWs}/publications/failed`)).json()) as { publications: unknown[] };
    expect(other.publications).toEqual([]);

    expect((await owner.post(`/w/${ws}/content/${id}/transition`, { action: "retry" })).status).toBe(303);
    const status = await env.DB.prepare("SELECT status FROM publications WHERE content_id = ?").bind(id).first<string>("status");
    expect(status).toBe("scheduled");
    expect(((await (await api(token, "GET", `/workspaces/${ws}/publications/failed`)).json()) as { publications: unknown[] }).publications).toEqual([]);
  });
});

describe("bad input, roles and tenancy", () => {
  it("answers bad slots with a 422 naming the field, and writes nothing", async () => {
    const count = () => env.DB.prepare("SELECT COUNT(*) AS n FROM posting_slots WHERE account_id = ?").bind(accountId).first<number>("n");
    const before = await count();
    for (const [body, field] of [
      [{ weekday: 8, time: "09:00" }, "weekday"],
      [{ weekday: 0, time: "09:00" }, "weekday"],
      [{ weekday: 1, time: "25:00" }, "time"],
      [{ weekday: 1, time: "9am" }, "time"],
      [{ weekday: 1 }, "time"],
    ] as const) {
      const response = await api(token, "POST", `/workspaces/${ws}/accounts/${accountId}/slots`, body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(Object.keys(((await response.json()) as ErrorJson).error.fields ?? {})).toContain(field);
    }
    const form = await owner.post(`/w/${ws}/accounts/${accountId}/slots`, { weekday: "1", time: "noon" });
    expect(form.status).toBe(422);
    const move = await api(token, "POST", `/workspaces/${ws}/accounts/${accountId}/queue/pub_nope/move`, { direction: "sideways" });
    expect(move.status).toBe(422);
    expect(await count()).toBe(before);
  });

  it("lets viewers see slots and the queue but change neither", async () => {
    expect((await api(viewerToken, "GET", `/workspaces/${ws}/accounts/${accountId}/slots`)).status).toBe(200);
    expect((await api(viewerToken, "GET", `/workspaces/${ws}/accounts/${accountId}/queue`)).status).toBe(200);
    expect((await api(viewerToken, "POST", `/workspaces/${ws}/accounts/${accountId}/slots`, { weekday: 2, time: "10:00" })).status).toBe(403);
    const [entry] = await queueOf();
    expect((await api(viewerToken, "POST", `/workspaces/${ws}/accounts/${accountId}/queue/${entry!.id}/move`, { direction: "down" })).status).toBe(403);
  });

  it("answers 404 to another workspace on every slot and queue route", async () => {
    const [slot] = ((await (await api(token, "GET", `/workspaces/${ws}/accounts/${accountId}/slots`)).json()) as { slots: { id: string }[] }).slots;
    const [entry] = await queueOf();
    for (const workspace of [ws, otherWs]) {
      const base = `/workspaces/${workspace}/accounts/${accountId}`;
      expect((await api(otherToken, "GET", `${base}/slots`)).status).toBe(404);
      expect((await api(otherToken, "POST", `${base}/slots`, { weekday: 2, time: "10:00" })).status).toBe(404);
      expect((await api(otherToken, "DELETE", `${base}/slots/${slot!.id}`)).status).toBe(404);
      expect((await api(otherToken, "GET", `${base}/queue`)).status).toBe(404);
      expect((await api(otherToken, "POST", `${base}/queue/${entry!.id}/move`, { direction: "down" })).status).toBe(404);
    }
    const stranger = await signUp("Sam");
    await createWorkspace(stranger, "Sam's");
    expect((await stranger.get(`/w/${ws}/accounts/${accountId}/queue`)).status).toBe(404);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM posting_slots WHERE id = ?").bind(slot!.id).first<number>("n")).toBe(1);
  });
});
