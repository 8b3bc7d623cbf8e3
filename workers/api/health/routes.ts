import { Hono } from "hono";
import { QUEUES } from "../../../lib/queues/messages";
import type { AppEnv } from "../types";

export const healthRoutes = new Hono<AppEnv>();

/** Liveness only: answers without touching any binding (also the baseline route of the benchmarks). */
healthRoutes.get("/livez", (c) => c.text("ok"));

type Check = { ok: boolean; ms: number; error?: string };

async function timed(run: () => Promise<unknown>): Promise<Check> {
  const started = Date.now();
  try {
    await run();
    return { ok: true, ms: Date.now() - started };
  } catch (err) {
    return { ok: false, ms: Date.now() - started, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The state of every binding the api Worker depends on: a D1 query, an R2 lookup and a ping sent on
 * each queue (consumers acknowledge pings). 503 when any fails, so a load balancer or uptime check
 * can act on the status alone.
 */
healthRoutes.get("/healthz", async (c) => {
  const checks: Record<string, Check> = {
    d1: await timed(() => c.env.DB.prepare("SELECT 1").first()),
    r2: await timed(() => c.env.MEDIA.head("healthz")),
  };
  await Promise.all(
    QUEUES.map(async (name) => {
      checks[name.replace("_QUEUE", "").toLowerCase() + "_queue"] = await timed(() => c.env[name].send({ type: "health", sentAt: Date.now() }));
    }),
  );
  const ok = Object.values(checks).every((check) => check.ok);
  return c.json({ ok, checks }, ok ? 200 : 503, { "Cache-Control": "no-store" });
});
