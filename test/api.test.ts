import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, api, Browser, createToken, createWorkspace, ORIGIN, signUp } from "./support/client";
import { exports } from "cloudflare:workers";

let owner: Browser;
let ws: string;
let write: string;
let read: string;

type ErrorJson = { error: { code: string; message: string; fields?: Record<string, string> } };

beforeAll(async () => {
  owner = await signUp("Owner");
  ws = await createWorkspace(owner, "API Co");
  write = await createToken(owner, ws, "write");
  read = await createToken(owner, ws, "read");
});

async function snapshot() {
  return {
    name: (await env.DB.prepare("SELECT name FROM workspaces WHERE id = ?").bind(ws).first<{ name: string }>())?.name,
    audit: (await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE workspace_id = ?").bind(ws).first<{ n: number }>())?.n,
    tokens: (await env.DB.prepare("SELECT COUNT(*) AS n FROM api_tokens WHERE workspace_id = ?").bind(ws).first<{ n: number }>())?.n,
  };
}

describe("bad input", () => {
  const cases: { name: string; status: number; code: string; mentions: string; send: () => Promise<Response> }[] = [
    {
      name: "malformed JSON",
      status: 400,
      code: "bad_request",
      mentions: "JSON",
      send: () => api(write, "PATCH", `/workspaces/${ws}`, '{"name": "unterminated'),
    },
    { name: "a missing field", status: 422, code: "invalid_request", mentions: "name", send: () => api(write, "PATCH", `/workspaces/${ws}`, {}) },
    {
      name: "a wrong-typed field",
      status: 422,
      code: "invalid_request",
      mentions: "scope",
      send: () => api(write, "POST", `/workspaces/${ws}/tokens`, { name: "x", scope: 7 }),
    },
    {
      name: "a value out of its set",
      status: 422,
      code: "invalid_request",
      mentions: "timezone",
      send: () => api(write, "PATCH", `/workspaces/${ws}`, { name: "ok", timezone: "Mars/Olympus" }),
    },
    {
      name: "a body over 1 MB",
      status: 413,
      code: "body_too_large",
      mentions: "1 MB",
      send: () => api(write, "PATCH", `/workspaces/${ws}`, { name: "x".repeat(1024 * 1024 + 10) }),
    },
    {
      name: "a wrong content type",
      status: 415,
      code: "unsupported_media_type",
      mentions: "application/json",
      send: () => api(write, "PATCH", `/workspaces/${ws}`, "name=x", { "content-type": "application/x-www-form-urlencoded" }),
    },
    {
      name: "a bad query parameter",
      status: 422,
      code: "invalid_request",
      mentions: "limit",
      send: () => api(write, "GET", `/workspaces/${ws}/audit-log?limit=abc`),
    },
  ];

  it.each(cases)("$name gets $status naming the problem, and nothing is written", async (c) => {
    const before = await snapshot();
    const response = await c.send();
    expect(response.status).toBe(c.status);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = (await response.json()) as ErrorJson;
    expect(body.error.code).toBe(c.code);
    expect(body.error.message + JSON.stringify(body.error.fields ?? {})).toContain(c.mentions);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
    expect(await snapshot()).toEqual(before);
  });

  it("names every invalid field in `fields`", async () => {
    const response = await api(write, "POST", `/workspaces/${ws}/tokens`, { scope: "admin" });
    const body = (await response.json()) as ErrorJson;
    expect(Object.keys(body.error.fields ?? {}).sort()).toEqual(["name", "scope"]);
  });

  it("bad UI form input gets a 4xx too, never a 500", async () => {
    const response = await owner.post(`/w/${ws}/settings`, { name: "" }, { htmx: true });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("name: is required");
  });
});

describe("tokens", () => {
  it("needs a token, and says how to send one", async () => {
    const response = await api(null, "GET", "/me");
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    expect(((await response.json()) as ErrorJson).error.message).toContain("Authorization: Bearer");
    expect((await api("cet_not-a-real-token", "GET", "/me")).status).toBe(401);
  });

  it("a read token reads but cannot write", async () => {
    const me = await api(read, "GET", "/me");
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ role: "owner", scope: "read", workspace: { id: ws } });
    const denied = await api(read, "PATCH", `/workspaces/${ws}`, { name: "Nope" });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as ErrorJson).error.message).toContain("read scope");
    expect((await snapshot()).name).toBe("API Co");
  });

  it("is stored only as a hash and records when it was last used", async () => {
    const rows = await env.DB.prepare("SELECT token_hash, prefix, last_used_at FROM api_tokens WHERE workspace_id = ?").bind(ws).all<{
      token_hash: string;
      prefix: string;
      last_used_at: number | null;
    }>();
    for (const row of rows.results) {
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect([write, read]).not.toContain(row.token_hash);
    }
    await api(write, "GET", "/me");
    const used = rows.results.find((r) => write.startsWith(r.prefix));
    const after = await env.DB.prepare("SELECT last_used_at FROM api_tokens WHERE prefix = ?").bind(used!.prefix).first<{ last_used_at: number }>();
    expect(after!.last_used_at).toBeGreaterThan(Date.now() - 60_000);
  });

  it("stops working the moment it is revoked", async () => {
    const token = await createToken(owner, ws, "write", "short-lived");
    expect((await api(token, "GET", "/me")).status).toBe(200);
    const list = (await (await api(write, "GET", `/workspaces/${ws}/tokens`)).json()) as { tokens: { id: string; name: string }[] };
    const id = list.tokens.find((t) => t.name === "short-lived")!.id;
    expect((await api(write, "DELETE", `/workspaces/${ws}/tokens/${id}`)).status).toBe(204);
    expect((await api(token, "GET", "/me")).status).toBe(401);
    expect((await api(write, "DELETE", `/workspaces/${ws}/tokens/${id}`)).status).toBe(404);
  });

  it("follows its creator's current role, and dies when the creator leaves", async () => {
    const admin = await signUp("Admin");
    const adminId = await addMember(owner, ws, admin, "admin");
    const token = await createToken(admin, ws, "write");
    expect((await api(token, "PATCH", `/workspaces/${ws}`, { name: "API Co" })).status).toBe(200);
    await api(write, "PATCH", `/workspaces/${ws}/members/${adminId}`, { role: "viewer" });
    expect((await api(token, "PATCH", `/workspaces/${ws}`, { name: "API Co" })).status).toBe(403);
    expect((await admin.post(`/w/${ws}/members/${adminId}/remove`)).status).toBe(303);
    expect((await api(token, "GET", "/me")).status).toBe(401);
  });

  it("the secret of a new token is in the creating answer only", async () => {
    const created = await api(write, "POST", `/workspaces/${ws}/tokens`, { name: "ci", scope: "read" });
    expect(created.status).toBe(201);
    const { secret, id } = (await created.json()) as { secret: string; id: string };
    expect(secret).toMatch(/^cet_[\w-]{43}$/);
    const listed = await (await api(write, "GET", `/workspaces/${ws}/tokens`)).text();
    expect(listed).toContain(id);
    expect(listed).not.toContain(secret);
  });
});

describe("spec and docs", () => {
  it("serves an OpenAPI 3.1 document describing every route, without a token", async () => {
    const response = await exports.default.fetch(`${ORIGIN}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const spec = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    expect(spec.openapi).toBe("3.1.0");
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        "/v1/me",
        "/v1/workspaces/{workspaceId}",
        "/v1/workspaces/{workspaceId}/members/{userId}",
        "/v1/workspaces/{workspaceId}/invites",
        "/v1/workspaces/{workspaceId}/tokens/{tokenId}",
        "/v1/workspaces/{workspaceId}/audit-log",
      ]),
    );
    expect(Object.keys(spec.components.schemas)).toEqual(expect.arrayContaining(["Error", "Workspace", "Member", "ApiToken", "AuditEntry"]));
  });

  it("serves interactive docs that load the spec from our own origin", async () => {
    const response = await exports.default.fetch(`${ORIGIN}/api/docs`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("/api/v1/openapi.json");
    expect(html).toContain("/vendor/scalar-api-reference.js");
    expect(html).not.toContain("cdn.jsdelivr.net");
  });
});
