import { createMiddleware } from "hono/factory";
import { database } from "../../../lib/db/client";
import { log, newRequestId, saneRequestId, withRequestContext } from "../../../lib/log";
import type { AppEnv } from "../types";

/**
 * A request id (echoed in `X-Request-Id`, in every log line and in the queue messages the request
 * sends) and the database handle. A caller's own `X-Request-Id` is kept when it is a plain token, so
 * a client or proxy can follow its request through our logs; otherwise Cloudflare's ray id, or a new
 * one. The rest of the request runs inside the id's log context (lib/log.ts), and ends with one
 * access line.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = saneRequestId(c.req.header("x-request-id")) ?? saneRequestId(c.req.header("cf-ray")) ?? newRequestId();
  c.set("requestId", requestId);
  c.set("db", database(c.env.DB));
  const started = Date.now();
  await withRequestContext(requestId, async () => {
    await next();
    // Errors were already turned into responses by the Worker's error handler (and logged there).
    const status = c.res.status;
    const fields = { method: c.req.method, path: c.req.path, status, ms: Date.now() - started, workspaceId: c.var.access?.workspace.id ?? null };
    if (status >= 500) log.error("request", fields);
    else log.info("request", fields);
  });
  c.header("X-Request-Id", requestId);
});

export function clientIp(c: { req: { header(name: string): string | undefined } }): string | null {
  return c.req.header("cf-connecting-ip") ?? null;
}
