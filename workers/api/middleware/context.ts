import { createMiddleware } from "hono/factory";
import { database } from "../../../lib/db/client";
import type { AppEnv } from "../types";

/** A request id (echoed in `X-Request-Id` and every log line) and the database handle. */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = c.req.header("cf-ray") ?? crypto.randomUUID();
  c.set("requestId", requestId);
  c.set("db", database(c.env.DB));
  await next();
  c.header("X-Request-Id", requestId);
});

export function clientIp(c: { req: { header(name: string): string | undefined } }): string | null {
  return c.req.header("cf-connecting-ip") ?? null;
}
