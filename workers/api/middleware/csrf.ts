/**
 * CSRF protection for every state-changing UI request, in two independent layers:
 * 1. the browser's own word: a cross-site `Sec-Fetch-Site` or a foreign `Origin` is refused;
 * 2. a token: the value of a `__Host-csrf` cookie (random per browser; the `__Host-` prefix stops a
 *    sibling subdomain from planting one) must come back in the `X-CSRF-Token` header (htmx sends it
 *    from the page) or the `_csrf` form field (plain forms).
 * The API under /api/v1 authenticates with bearer tokens, not cookies, and is not mounted behind this.
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { constantTimeEqual, randomBytes, toBase64Url } from "../../../lib/crypto/encoding";
import { AppError } from "../../../lib/http/errors";
import type { AppEnv } from "../types";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

async function tokenFromForm(c: Context<AppEnv>): Promise<string | undefined> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) return undefined;
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const value = body._csrf;
  return typeof value === "string" ? value : undefined;
}

export const csrf = createMiddleware<AppEnv>(async (c, next) => {
  let token = getCookie(c, "csrf", "host");
  if (!token) {
    token = toBase64Url(randomBytes(24));
    setCookie(c, "csrf", token, { prefix: "host", httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
  }
  c.set("csrfToken", token);
  if (SAFE_METHODS.has(c.req.method)) return next();

  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  if ((site && site !== "same-origin" && site !== "none") || (origin && origin !== new URL(c.req.url).origin)) {
    throw new AppError(403, "cross_site", "Cross-site request refused.");
  }
  const sent = c.req.header("x-csrf-token") ?? (await tokenFromForm(c));
  if (!sent || !constantTimeEqual(sent, token)) {
    throw new AppError(403, "csrf", "This form has expired. Reload the page and try again.");
  }
  await next();
});
