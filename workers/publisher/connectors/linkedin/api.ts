/**
 * LinkedIn's versioned REST API (https://api.linkedin.com/rest): every call names the API version it
 * was written against (`LinkedIn-Version`, YYYYMM) and Rest.li 2.0. Errors come as
 * `{status, serviceErrorCode, code, message}`; a 429 names the throttle (member or application, per
 * day) without a Retry-After, so the wait runs to the next UTC midnight, when LinkedIn's daily
 * limits reset.
 */
import { callPlatform, PlatformError, retryAtFrom } from "../types";

export const LINKEDIN_API = "https://api.linkedin.com";
export const LINKEDIN_VERSION = "202510";

export const linkedInHeaders = (accessToken: string, json = false): Record<string, string> => ({
  authorization: `Bearer ${accessToken}`,
  "linkedin-version": LINKEDIN_VERSION,
  "x-restli-protocol-version": "2.0.0",
  ...(json ? { "content-type": "application/json" } : {}),
});

export type LinkedInError = { status?: number; serviceErrorCode?: number; code?: string; message?: string };

export async function linkedInWords(response: Response): Promise<{ words: string; body: LinkedInError }> {
  const body = (await response.clone().json().catch(() => ({}))) as LinkedInError;
  return { words: [body.code, body.message].filter(Boolean).join(": ") || `HTTP ${response.status}`, body };
}

const nextUtcMidnight = (now = Date.now()) => {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
};

export async function linkedInFailure(response: Response, what: string): Promise<PlatformError> {
  const { words } = await linkedInWords(response);
  const status = response.status;
  if (status === 429) return new PlatformError("rate_limited", `LinkedIn's rate limit was reached (${words})`, { status, retryAt: retryAtFrom(response.headers) ?? nextUtcMidnight() });
  if (status === 401) return new PlatformError("auth", `LinkedIn no longer accepts this account's sign-in (${words}): reconnect it`, { status });
  if (status >= 500) return new PlatformError("unavailable", `LinkedIn failed while ${what} (${words})`, { status });
  return new PlatformError("rejected", `LinkedIn refused ${what}: ${words}`, { status });
}

/** A GET of LinkedIn's API with the account's token; the JSON, or its failure. */
export async function linkedInGet<T>(accessToken: string, path: string, what: string, timeoutMs?: number): Promise<T> {
  const response = await callPlatform("LinkedIn", new Request(`${LINKEDIN_API}${path}`, { headers: linkedInHeaders(accessToken) }), { sends: false, timeoutMs });
  if (!response.ok) throw await linkedInFailure(response, what);
  return (await response.json()) as T;
}
