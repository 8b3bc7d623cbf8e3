import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { currentRequestId } from "../lib/log";
import { scrapeMessage, stamped, withMessageContext } from "../lib/queues/messages";
import worker from "../workers/api/index";
import { api, Browser, createToken, createWorkspace, signUp } from "./support/client";

// The request id: echoed in X-Request-Id, written on every log line of the request (lib/log.ts), and
// carried in the queue messages the request sends, so a consumer in another Worker logs with it too.

let owner: Browser;
let ws: string;
let token: string;

beforeAll(async () => {
  owner = await signUp("Rhea");
  ws = await createWorkspace(owner, "Tracing Co");
  token = await createToken(owner, ws, "write");
});

afterEach(() => vi.restoreAllMocks());

/** The JSON log lines written while `fn` runs. */
async function logged<T>(fn: () => Promise<T>): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const keep = (text: unknown) => {
    try {
      lines.push(JSON.parse(String(text)));
    } catch {
      // Not one of ours (a runtime warning): ignore it.
    }
  };
  for (const method of ["log", "warn", "error"] as const) vi.spyOn(console, method).mockImplementation(keep);
  const result = await fn();
  return { result, lines };
}

describe("X-Request-Id", () => {
  it("echoes a caller's own id, and logs one access line with it", async () => {
    const { result: response, lines } = await logged(() => api(token, "GET", `/workspaces/${ws}/sources?secret=1`, undefined, { "X-Request-Id": "trace-4f2a.9" }));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("trace-4f2a.9");
    const access = lines.filter((l) => l.event === "request");
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ level: "info", requestId: "trace-4f2a.9", worker: "api", method: "GET", path: `/api/v1/workspaces/${ws}/sources`, status: 200, workspaceId: ws });
    expect(typeof access[0]!.ms).toBe("number");
    // The query string (tokens, search terms) stays out of the logs.
    expect(JSON.stringify(access[0])).not.toContain("secret");
  });

  it("replaces an id that is not a plain token, and makes one when there is none", async () => {
    const odd = await api(token, "GET", `/workspaces/${ws}/sources`, undefined, { "X-Request-Id": "two words <b>" });
    const oddId = odd.headers.get("x-request-id");
    expect(oddId).toMatch(/^[0-9a-f-]{36}$/);
    const none = await api(token, "GET", `/workspaces/${ws}/sources`);
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(none.headers.get("x-request-id")).not.toBe(oddId);
  });

  it("comes back on errors too, in the access line with their status", async () => {
    const { result: response, lines } = await logged(() => api(token, "GET", `/workspaces/${ws}/sources/src_missing/items`, undefined, { "X-Request-Id": "trace-404" }));
    expect(response.headers.get("x-request-id")).toBe("trace-404");
    expect(lines.find((l) => l.event === "request")).toMatchObject({ requestId: "trace-404", status: response.status });
  });
});

describe("queue messages", () => {
  it("carry the id of the request that sent them", async () => {
    const created = await api(token, "POST", `/workspaces/${ws}/sources`, { kind: "feed", url: "https://trace.example.org/rss" });
    const { id } = (await created.json()) as { id: string };
    const send = vi.spyOn(env.SCRAPE_QUEUE, "send");
    const response = await api(token, "POST", `/workspaces/${ws}/sources/${id}/runs`, undefined, { "X-Request-Id": "trace-run-7" });
    expect(response.status).toBe(202);
    expect(send).toHaveBeenCalledTimes(1);
    const body = send.mock.calls[0]![0];
    expect(scrapeMessage.parse(body)).toEqual({ type: "scrape", sourceId: id, requestId: "trace-run-7" });
  });

  it("are consumed in the context of that id, or of a new one", async () => {
    const seen = await withMessageContext({ body: { type: "scrape", sourceId: "src_1", requestId: "trace-run-7" } }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      // What this consumer sends in turn keeps the id.
      return [currentRequestId(), stamped({ type: "email.send", sendId: "snd_1" }).requestId];
    });
    expect(seen).toEqual(["trace-run-7", "trace-run-7"]);
    const fresh = [
      withMessageContext({ body: { type: "scrape", sourceId: "src_1" } }, currentRequestId),
      withMessageContext({ body: { type: "scrape", sourceId: "src_1", requestId: "bad id\n" } }, currentRequestId),
      withMessageContext({ body: "not an object" }, currentRequestId),
    ];
    for (const id of fresh) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(fresh).size).toBe(3);
    // Outside any context nothing is added.
    expect(stamped({ type: "scrape", sourceId: "src_1" })).toEqual({ type: "scrape", sourceId: "src_1" });
  });

  it("reach the generate consumer, whose log lines carry the id", async () => {
    const user = (await env.DB.prepare("SELECT user_id FROM memberships WHERE workspace_id = ?").bind(ws).first<{ user_id: string }>())!.user_id;
    // A job whose stored request is missing its fields: running it hits an internal error, which is logged.
    for (const id of ["gen_traced", "gen_untraced"]) {
      await env.DB.prepare("INSERT INTO generation_jobs (id, workspace_id, created_by, kind, request) VALUES (?, ?, ?, 'post', '{}')").bind(id, ws, user).run();
    }
    const batch = createMessageBatch("generate", [
      { id: "m-traced", timestamp: new Date(), attempts: 1, body: { type: "generate", jobId: "gen_traced", requestId: "trace-gen-1" } },
      { id: "m-untraced", timestamp: new Date(), attempts: 1, body: { type: "generate", jobId: "gen_untraced" } },
    ]);
    const { lines } = await logged(async () => {
      await worker.queue(batch);
      return getQueueResult(batch, createExecutionContext());
    });
    const failed = lines.filter((l) => l.event === "generation_failed");
    const traced = failed.find((l) => l.jobId === "gen_traced");
    expect(traced).toMatchObject({ level: "error", requestId: "trace-gen-1", worker: "api", error: { name: "TypeError" } });
    expect((traced!.error as { stack: string }).stack).toContain("TypeError");
    expect(failed.find((l) => l.jobId === "gen_untraced")?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
