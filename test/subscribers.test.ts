/**
 * Subscribers through the API and UI: adding with consent, clear 4xx for bad input, CSV import
 * through the email queue (every rejected row with its reason, dedupe by normalised address within
 * a chunk, across chunks and against the workspace, suppressed addresses refused), segments with a
 * live count, CSV export, GDPR export and erasure, roles, and tenant isolation of every route.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { configureEmail, drain } from "./email.support";
import { addMember, api, Browser, createToken, createWorkspace, signUp } from "./support/client";

let owner: Browser;
let workspaceId: string;
let token: string;
let listId: string;

const consentText = "Signed up at the 2026 launch event";

async function add(email: string, extra: Record<string, unknown> = {}) {
  const response = await api(token, "POST", `/workspaces/${workspaceId}/subscribers`, { email, consentText, ...extra });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { id: string } };
}

async function importCsv(csv: string) {
  const started = await api(token, "POST", `/workspaces/${workspaceId}/imports`, { csv, listId, consentText: "Customers who ticked the newsletter box at checkout" });
  expect(started.status, await started.clone().text()).toBe(202);
  const { id } = (await started.json()) as { id: string };
  await drain({ type: "email.import", importId: id }, async () => {
    const row = await env.DB.prepare("SELECT status FROM subscriber_imports WHERE id = ?").bind(id).first<{ status: string }>();
    return row?.status === "done" || row?.status === "failed";
  });
  const report = await api(token, "GET", `/workspaces/${workspaceId}/imports/${id}`);
  return (await report.json()) as { status: string; progress: number; added: number; updated: number; rejected: number; error: string | null; rejections: { row: number; email: string; reason: string }[] };
}

beforeAll(async () => {
  owner = await signUp("Olive");
  workspaceId = await createWorkspace(owner, "Letters");
  token = await createToken(owner, workspaceId, "write");
  const list = await api(token, "POST", `/workspaces/${workspaceId}/lists`, { name: "Weekly" });
  listId = ((await list.json()) as { id: string }).id;
});

describe("adding subscribers", () => {
  it("adds a person subscribed, with the consent given as their record", async () => {
    const { status, body } = await add("Ada.Lovelace@Example.com", { firstName: "Ada", tags: ["vip", " VIP "], attributes: { company: "Analytical" }, listIds: [listId] });
    expect(status).toBe(201);
    expect(body).toMatchObject({ email: "Ada.Lovelace@Example.com", status: "subscribed", tags: ["vip"], attributes: { company: "Analytical" } });
    const detail = (await (await api(token, "GET", `/workspaces/${workspaceId}/subscribers/${body.id}`)).json()) as { consent: { kind: string; textShown: string }[]; lists: { id: string }[] };
    expect(detail.consent).toEqual([expect.objectContaining({ kind: "api", textShown: consentText })]);
    expect(detail.lists.map((l) => l.id)).toEqual([listId]);
  });

  it("answers bad input with a 4xx naming the field", async () => {
    const bad = await add("not-an-address");
    expect(bad.status).toBe(422);
    expect((bad.body as unknown as { error: { fields: Record<string, string> } }).error.fields.email).toBe("must be a valid email address");
    const noConsent = await api(token, "POST", `/workspaces/${workspaceId}/subscribers`, { email: "x@example.com" });
    expect(noConsent.status).toBe(422);
    expect(((await noConsent.json()) as { error: { fields: Record<string, string> } }).error.fields.consentText).toBeTruthy();
    const duplicate = await add("ada.lovelace@EXAMPLE.com");
    expect(duplicate.status).toBe(409);
    const unknownList = await add("new@example.com", { listIds: ["lst_nope"] });
    expect(unknownList.status).toBe(422);
    const notJson = await api(token, "POST", `/workspaces/${workspaceId}/subscribers`, "email=x", { "content-type": "application/x-www-form-urlencoded" });
    expect(notJson.status).toBe(415);
    const badRules = await api(token, "POST", `/workspaces/${workspaceId}/segments`, { name: "x", rules: { match: "all", conditions: [{ field: "signup", op: "before", date: "yesterday" }] } });
    expect(badRules.status).toBe(422);
    expect(((await badRules.json()) as { error: { fields: Record<string, string> } }).error.fields["rules.conditions.0.date"]).toBe("must be a date (YYYY-MM-DD)");
  });
});

describe("CSV import", () => {
  it("imports valid rows, rejects every bad row with its reason, and dedupes by normalised address", async () => {
    await add("gone@example.com");
    const gone = await add("erased@example.com");
    expect((await api(token, "POST", `/workspaces/${workspaceId}/subscribers/${(await add("unsub@example.com")).body.id}/unsubscribe`)).status).toBe(204);
    expect((await api(token, "DELETE", `/workspaces/${workspaceId}/subscribers/${gone.body.id}`)).status).toBe(204);
    const csv = [
      "\uFEFFEmail,First Name,last_name,tags,company",
      "grace@example.com,Grace,Hopper,\"navy, pioneer\",Navy",
      "not an email,Bad,Row,,",
      "GRACE@Example.com,Grace,Again,,",
      ",Nobody,Here,,",
      "ada.lovelace@example.com,Ada,Lovelace,imported,Analytical Engines",
      "erased@example.com,Erased,Person,,",
      "unsub@example.com,Un,Sub,,",
      "short@example.com,Short",
      '"quoted@example.com","Q, with comma","O""Brien",,',
      "",
    ].join("\r\n");
    const report = await importCsv(csv);
    expect(report).toMatchObject({ status: "done", progress: 100, added: 2, updated: 1, rejected: 6 });
    expect(report.rejections).toEqual([
      { row: 3, email: "not an email", reason: "not a valid email address" },
      { row: 4, email: "GRACE@Example.com", reason: "duplicate of row 2" },
      { row: 5, email: "", reason: "no email address" },
      { row: 7, email: "erased@example.com", reason: "on the suppression list (unsubscribed, bounced, complained or erased)" },
      { row: 8, email: "unsub@example.com", reason: "on the suppression list (unsubscribed, bounced, complained or erased)" },
      { row: 9, email: "short@example.com", reason: "has 2 fields where the header has 5" },
    ]);
    const grace = (await (await api(token, "GET", `/workspaces/${workspaceId}/subscribers?q=grace`)).json()) as { subscribers: { tags: string[]; attributes: Record<string, string>; firstName: string }[] };
    expect(grace.subscribers).toEqual([expect.objectContaining({ firstName: "Grace", tags: ["navy", "pioneer"], attributes: { company: "Navy" } })]);
    const ada = (await (await api(token, "GET", `/workspaces/${workspaceId}/subscribers?q=ada.lovelace`)).json()) as { subscribers: { tags: string[]; attributes: Record<string, string> }[] };
    expect(ada.subscribers[0]!.tags.sort()).toEqual(["imported", "vip"]);
    expect(ada.subscribers[0]!.attributes.company).toBe("Analytical Engines");
    const quoted = (await (await api(token, "GET", `/workspaces/${workspaceId}/subscribers?q=quoted`)).json()) as { subscribers: { firstName: string; lastName: string }[] };
    expect(quoted.subscribers[0]).toMatchObject({ firstName: "Q, with comma", lastName: 'O"Brien' });
  });

  it("reads a large file in chunks and catches a duplicate in a later chunk", async () => {
    const rows = ["email,first_name"];
    for (let i = 0; i < 4500; i++) rows.push(`bulk${i}@example.com,Bulk ${i}`);
    rows.push("BULK7@example.com,Again");
    const report = await importCsv(rows.join("\n"));
    expect(report).toMatchObject({ status: "done", added: 4500, rejected: 1 });
    expect(report.rejections).toEqual([{ row: 4502, email: "BULK7@example.com", reason: "duplicate of an earlier row in this file" }]);
    const chunks = await env.DB.prepare("SELECT COUNT(*) AS n FROM subscribers WHERE workspace_id = ? AND email LIKE 'bulk%'").bind(workspaceId).first<{ n: number }>();
    expect(chunks!.n).toBe(4500);
  });

  it("fails an import without an email column, saying why", async () => {
    const report = await importCsv("name,phone\nAda,123\n");
    expect(report.status).toBe("failed");
    expect(report.error).toContain('"email"');
  });
});

describe("segments", () => {
  it("counts live who the rules reach, and only subscribed, unsuppressed people", async () => {
    const count = async (rules: unknown, list?: string) => ((await (await api(token, "POST", `/workspaces/${workspaceId}/segments/count`, { rules, listId: list })).json()) as { count: number }).count;
    expect(await count({ match: "all", conditions: [{ field: "tag", op: "has", value: "navy" }] })).toBe(1);
    expect(await count({ match: "all", conditions: [{ field: "attribute", key: "company", op: "contains", value: "analytical" }] })).toBe(1);
    expect(await count({ match: "any", conditions: [{ field: "tag", op: "has", value: "navy" }, { field: "tag", op: "has", value: "vip" }] })).toBe(2);
    expect(await count({ match: "all", conditions: [{ field: "signup", op: "after", date: "2000-01-01" }, { field: "list", op: "in", listId }] })).toBe(4503);
    expect(await count({ match: "all", conditions: [{ field: "engagement", op: "active_within", days: 30 }] })).toBe(0);
    expect(await count({ match: "all", conditions: [{ field: "tag", op: "has", value: "vip" }] }, listId)).toBe(1);
    // The unsubscribed person is not counted, whatever the rules.
    expect(await count({ match: "all", conditions: [{ field: "signup_within", days: 1 }] })).toBe(4504);
    const created = await api(token, "POST", `/workspaces/${workspaceId}/segments`, { name: "Navy", rules: { match: "all", conditions: [{ field: "tag", op: "has", value: "navy" }] } });
    expect(created.status).toBe(201);
    const listed = (await (await api(token, "GET", `/workspaces/${workspaceId}/segments`)).json()) as { segments: { name: string; count: number }[] };
    expect(listed.segments).toEqual([expect.objectContaining({ name: "Navy", count: 1 })]);
  });

  it("shows the live count in the UI as the rules change", async () => {
    const response = await owner.post(`/w/${workspaceId}/subscribers/segments/count`, { match: "all", c0_field: "tag", c0_op: "has", c0_value: "navy" }, { htmx: true });
    expect(await response.text()).toBe("1");
  });
});

describe("exports and erasure", () => {
  it("exports every subscriber as CSV", async () => {
    const response = await api(token, "GET", `/workspaces/${workspaceId}/subscribers/export`);
    expect(response.headers.get("content-type")).toContain("text/csv");
    const lines = (await response.text()).trim().split("\r\n");
    expect(lines[0]).toBe("email,first_name,last_name,status,tags,attributes,lists,source,created_at,confirmed_at,unsubscribed_at");
    expect(lines).toHaveLength(1 + 4505);
    expect(lines.find((l) => l.startsWith("grace@example.com"))).toContain('"navy, pioneer"');
    const ui = await owner.get(`/w/${workspaceId}/subscribers.csv`);
    expect(ui.status).toBe(200);
    expect((await ui.text()).split("\r\n").length).toBeGreaterThan(4500);
  });

  it("exports one person's data, and erasure keeps only a hash that stops re-adding", async () => {
    const { body } = await add("forget.me@example.com", { firstName: "Forget" });
    const data = (await (await api(token, "GET", `/workspaces/${workspaceId}/subscribers/${body.id}/data`)).json()) as { subscriber: { email: string }; consent: unknown[] };
    expect(data.subscriber.email).toBe("forget.me@example.com");
    expect(data.consent).toHaveLength(1);
    expect((await api(token, "DELETE", `/workspaces/${workspaceId}/subscribers/${body.id}`)).status).toBe(204);
    expect((await api(token, "GET", `/workspaces/${workspaceId}/subscribers/${body.id}`)).status).toBe(404);
    const leftovers = await env.DB.prepare("SELECT (SELECT COUNT(*) FROM subscribers WHERE email_normalized = 'forget.me@example.com') AS s, (SELECT COUNT(*) FROM consent_records WHERE subscriber_id = ?) AS c, (SELECT COUNT(*) FROM suppressions WHERE workspace_id = ? AND reason = 'erased') AS h")
      .bind(body.id, workspaceId)
      .first<{ s: number; c: number; h: number }>();
    expect(leftovers).toEqual({ s: 0, c: 0, h: 2 });
    const audit = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'subscriber.erased' AND target_id = ?").bind(body.id).first<{ detail: string | null }>();
    expect(audit).not.toBeNull();
    expect(JSON.stringify(audit)).not.toContain("forget.me");
    expect((await add("Forget.Me@example.com")).status).toBe(409);
  });
});

describe("erasure, everywhere", () => {
  it("leaves the address in no table and no stored file, only as the suppression hash", async () => {
    const address = "wipe.me@example.com";
    const { body } = await add("Wipe.Me@Example.com", { firstName: "Wipe" });
    // Their address also sits in an import's refused rows, and in a send's delivery row.
    const report = await importCsv("email,first_name\nwipe.me@example.com,Wipe\nWIPE.ME@example.com,Twice\n");
    expect(report.rejections).toEqual([{ row: 3, email: "WIPE.ME@example.com", reason: "duplicate of row 2" }]);
    await configureEmail(token, workspaceId);
    const list = ((await (await api(token, "POST", `/workspaces/${workspaceId}/lists`, { name: "Wipe list" })).json()) as { id: string }).id;
    expect((await api(token, "PATCH", `/workspaces/${workspaceId}/subscribers/${body.id}`, { listIds: [list] })).status).toBe(200);
    const newsletter = ((await (await api(token, "POST", `/workspaces/${workspaceId}/newsletters`, { subject: "Hello {{first_name|there}}" })).json()) as { id: string }).id;
    const send = ((await (await api(token, "POST", `/workspaces/${workspaceId}/newsletters/${newsletter}/sends`, { listId: list })).json()) as { id: string }).id;
    await drain({ type: "email.send", sendId: send }, async () => (await env.DB.prepare("SELECT status FROM email_sends WHERE id = ?").bind(send).first<{ status: string }>())!.status === "sent");
    expect(await env.DB.prepare("SELECT email FROM email_deliveries WHERE send_id = ?").bind(send).first()).toEqual({ email: "Wipe.Me@Example.com" });

    expect((await api(token, "DELETE", `/workspaces/${workspaceId}/subscribers/${body.id}`)).status).toBe(204);

    const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE '%_fts%' AND name NOT LIKE 'd1_%'").all<{ name: string }>();
    expect(tables.length).toBeGreaterThan(20);
    for (const { name } of tables) {
      const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      expect(JSON.stringify(results).toLowerCase().includes(address), `table ${name}`).toBe(false);
    }
    const { suppressionHash } = await import("../lib/email/address");
    expect(await env.DB.prepare("SELECT reason FROM suppressions WHERE workspace_id = ? AND email_hash = ?").bind(workspaceId, await suppressionHash(workspaceId, address)).first()).toEqual({ reason: "erased" });
    // The uploaded CSV files were deleted once read.
    expect((await env.MEDIA.list({ prefix: `imports/${workspaceId}/` })).objects).toEqual([]);
    // And the hash keeps them from coming back by mistake.
    expect((await importCsv("email\nwipe.me@example.com\n")).rejections[0]!.reason).toContain("suppression list");
  });
});

describe("roles and tenancy", () => {
  it("keeps subscribers from viewers and erasure from editors", async () => {
    const viewer = await signUp("Vic");
    await addMember(owner, workspaceId, viewer, "viewer");
    expect((await viewer.get(`/w/${workspaceId}/subscribers`)).status).toBe(403);
    const editor = await signUp("Ed");
    await addMember(owner, workspaceId, editor, "editor");
    const { body } = await add("kept@example.com");
    expect((await editor.post(`/w/${workspaceId}/subscribers/${body.id}/erase`)).status).toBe(403);
    expect((await editor.get(`/w/${workspaceId}/subscribers.csv`)).status).toBe(403);
    expect((await editor.get(`/w/${workspaceId}/subscribers/${body.id}`)).status).toBe(200);
    const readToken = await createToken(owner, workspaceId, "read");
    expect((await api(readToken, "POST", `/workspaces/${workspaceId}/subscribers`, { email: "r@example.com", consentText })).status).toBe(403);
  });

  it("answers 404 to another workspace on every subscriber route", async () => {
    const stranger = await signUp("Stan");
    const theirs = await createWorkspace(stranger, "Elsewhere");
    const strangerToken = await createToken(stranger, theirs, "write");
    const { body } = await add("private@example.com");
    const segment = (await (await api(token, "GET", `/workspaces/${workspaceId}/segments`)).json()) as { segments: { id: string }[] };
    const imp = await env.DB.prepare("SELECT id FROM subscriber_imports WHERE workspace_id = ? LIMIT 1").bind(workspaceId).first<{ id: string }>();
    const apiRoutes: [string, string, unknown?][] = [
      ["GET", `/workspaces/${workspaceId}/subscribers`],
      ["POST", `/workspaces/${workspaceId}/subscribers`, { email: "x@example.com", consentText }],
      ["GET", `/workspaces/${workspaceId}/subscribers/export`],
      ["GET", `/workspaces/${workspaceId}/subscribers/${body.id}`],
      ["PATCH", `/workspaces/${workspaceId}/subscribers/${body.id}`, { firstName: "X" }],
      ["POST", `/workspaces/${workspaceId}/subscribers/${body.id}/unsubscribe`],
      ["DELETE", `/workspaces/${workspaceId}/subscribers/${body.id}`],
      ["GET", `/workspaces/${workspaceId}/subscribers/${body.id}/data`],
      ["GET", `/workspaces/${workspaceId}/lists`],
      ["POST", `/workspaces/${workspaceId}/lists`, { name: "Theirs" }],
      ["GET", `/workspaces/${workspaceId}/segments`],
      ["POST", `/workspaces/${workspaceId}/segments`, { name: "s", rules: { conditions: [{ field: "tag", op: "has", value: "x" }] } }],
      ["POST", `/workspaces/${workspaceId}/segments/count`, {}],
      ["DELETE", `/workspaces/${workspaceId}/segments/${segment.segments[0]!.id}`],
      ["POST", `/workspaces/${workspaceId}/imports`, { csv: "email\na@example.com", consentText: "long enough consent" }],
      ["GET", `/workspaces/${workspaceId}/imports/${imp!.id}`],
    ];
    for (const [method, path, payload] of apiRoutes) expect((await api(strangerToken, method, path, payload)).status, `${method} ${path}`).toBe(404);
    // The stranger's own token also cannot reach our objects through their own workspace's paths.
    expect((await api(strangerToken, "GET", `/workspaces/${theirs}/subscribers/${body.id}`)).status).toBe(404);
    expect((await api(strangerToken, "GET", `/workspaces/${theirs}/imports/${imp!.id}`)).status).toBe(404);
    expect((await api(strangerToken, "DELETE", `/workspaces/${theirs}/segments/${segment.segments[0]!.id}`)).status).toBe(404);
    const uiRoutes = [
      `/w/${workspaceId}/subscribers`,
      `/w/${workspaceId}/subscribers/${body.id}`,
      `/w/${workspaceId}/subscribers/lists`,
      `/w/${workspaceId}/subscribers/segments`,
      `/w/${workspaceId}/subscribers/import`,
      `/w/${workspaceId}/subscribers/imports/${imp!.id}`,
      `/w/${workspaceId}/subscribers.csv`,
      `/w/${workspaceId}/subscribers/${body.id}/data.json`,
      `/w/${workspaceId}/subscribers/imports/${imp!.id}/progress`,
      `/w/${workspaceId}/subscribers/imports/${imp!.id}/rejections.csv`,
    ];
    for (const path of uiRoutes) expect((await stranger.get(path)).status, path).toBe(404);
    const uiPosts = [
      `/w/${workspaceId}/subscribers/${body.id}/erase`,
      `/w/${workspaceId}/subscribers/${body.id}/unsubscribe`,
      `/w/${workspaceId}/subscribers/${body.id}`,
      `/w/${workspaceId}/subscribers`,
      `/w/${workspaceId}/subscribers/lists`,
      `/w/${workspaceId}/subscribers/segments`,
      `/w/${workspaceId}/subscribers/segments/count`,
      `/w/${workspaceId}/subscribers/segments/${segment.segments[0]!.id}/delete`,
      `/w/${workspaceId}/subscribers/import`,
    ];
    for (const path of uiPosts) {
      expect((await stranger.post(path, { name: "x" })).status, path).toBe(404);
    }
    expect((await stranger.get(`/w/${theirs}/subscribers/${body.id}`)).status).toBe(404);
    expect((await stranger.get(`/w/${theirs}/subscribers/imports/${imp!.id}`)).status).toBe(404);
  });

  it("renders the subscriber pages for the owner", async () => {
    for (const path of ["subscribers", "subscribers/lists", "subscribers/segments", "subscribers/import"]) {
      const response = await owner.get(`/w/${workspaceId}/${path}`);
      expect(response.status, path).toBe(200);
    }
    const lists = await (await owner.get(`/w/${workspaceId}/subscribers/lists`)).text();
    expect(lists).toContain(`/email/subscribe/${listId}`);
    expect(lists).toContain("name=&quot;website&quot;");
    const hosted = await (await owner.get(`/email/subscribe/${listId}`)).text();
    expect(hosted).toContain('name="website"');
  });
});
