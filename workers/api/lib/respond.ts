import type { Context } from "hono";
import { AppError } from "../../../lib/http/errors";
import type { AppEnv } from "../types";

/** A submitted UI form as plain strings (the CSRF field removed); zod decides what is valid. */
export async function formInput(c: Context<AppEnv>): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) {
    throw new AppError(415, "unsupported_media_type", "Send the form as application/x-www-form-urlencoded or multipart/form-data.");
  }
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key !== "_csrf" && typeof value === "string") out[key] = value;
  }
  return out;
}

/**
 * After a mutation, go to `url`: htmx gets `HX-Redirect` (a real navigation, so the address bar and
 * history are right), a plain form gets a 303 See Other.
 */
export function goTo(c: Context<AppEnv>, url: string): Response {
  if (c.req.header("hx-request")) {
    c.header("HX-Redirect", url);
    return c.body(null, 204);
  }
  return c.redirect(url, 303);
}

/** Only same-site paths are followed after login, so `?next=` cannot send anyone elsewhere. */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}
