/**
 * The api Worker's one error handler. Expected failures (AppError, and Hono's HTTPException for
 * things like an oversized body) keep their status and message: JSON on /api, an inline message in
 * the UI. Anything else is a bug: logged with the request id, answered with a plain 500 that says
 * nothing about the internals.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, errorBody } from "../../lib/http/errors";
import { log } from "../../lib/log";
import { Flash } from "./views/layout";
import { ErrorPage } from "./views/pages";
import type { AppEnv } from "./types";

function asAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new AppError(413, "body_too_large", "The request body is larger than 1 MB.");
    if (err.status === 400) return new AppError(400, "bad_request", err.message || "The request could not be read.");
    if (err.status === 401) return new AppError(401, "unauthenticated", err.message || "Authentication required.");
    if (err.status === 404) return new AppError(404, "not_found", "Not found");
  }
  return null;
}

export function handleError(err: unknown, c: Context<AppEnv>): Response | Promise<Response> {
  const known = asAppError(err);
  const requestId = c.get("requestId") ?? "unknown";
  if (!known) {
    // The request id comes from the log context (middleware/context.ts); the line also names the route.
    log.error("unhandled_error", { method: c.req.method, path: c.req.path, error: err instanceof Error ? err : String(err) });
  }
  const status = known ? known.status : 500;
  const message = known ? known.message : `Something went wrong on our side. Reference: ${requestId}`;
  const headers = { "X-Request-Id": requestId, ...(known?.headers ?? {}) };

  if (c.req.path.startsWith("/api/") || c.req.path === "/healthz") {
    const body = known ? errorBody(known) : { error: { code: "internal", message } };
    return c.json(body, status, headers);
  }
  if (c.req.header("hx-request")) {
    // Shown in the page's message area whatever element asked, and swapped in spite of the status.
    return c.html(
      <Flash kind="error">
        {message}
        {known?.fields && (
          <ul>
            {Object.entries(known.fields).map(([field, problem]) => (
              <li>
                {field}: {problem}
              </li>
            ))}
          </ul>
        )}
      </Flash>,
      status,
      { ...headers, "HX-Retarget": "#flash", "HX-Reswap": "innerHTML" },
    );
  }
  return c.html(<ErrorPage status={status} message={message} csrfToken={c.get("csrfToken") ?? ""} />, status, headers);
}
