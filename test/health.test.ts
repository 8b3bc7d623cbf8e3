import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ORIGIN } from "./support/client";

describe("GET /healthz", () => {
  it("reports D1, R2 and every queue binding", async () => {
    const response = await exports.default.fetch(`${ORIGIN}/healthz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ok: boolean; checks: Record<string, { ok: boolean }> };
    expect(body.ok).toBe(true);
    expect(Object.keys(body.checks).sort()).toEqual(["d1", "email_queue", "generate_queue", "publish_queue", "r2", "scrape_queue", "webhooks_queue"]);
    expect(Object.values(body.checks).every((c) => c.ok)).toBe(true);
  });

  it("answers 503 and names the failing binding when one fails", async () => {
    const broken = { ...env, MEDIA: { head: () => Promise.reject(new Error("bucket unreachable")) } } as unknown as Env;
    const { default: worker } = await import("../workers/api/index");
    const response = await worker.fetch(new Request(`${ORIGIN}/healthz`), broken, {} as ExecutionContext);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { ok: boolean; checks: Record<string, { ok: boolean; error?: string }> };
    expect(body.ok).toBe(false);
    expect(body.checks.r2).toMatchObject({ ok: false, error: "bucket unreachable" });
    expect(body.checks.d1!.ok).toBe(true);
  });
});

describe("queue consumers", () => {
  it("acknowledge health pings and retry messages they have no handler for, so none is lost", async () => {
    const batch = createMessageBatch("generate", [
      { id: "ping", timestamp: new Date(), attempts: 1, body: { type: "health", sentAt: Date.now() } },
      { id: "unknown", timestamp: new Date(), attempts: 1, body: { type: "something-else" } },
    ]);
    const ctx = createExecutionContext();
    const { default: worker } = await import("../workers/api/index");
    await worker.queue(batch);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["ping"]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["unknown"]);
  });
});
