/**
 * X API v2 errors as PlatformErrors. X answers with RFC 7807 problem details
 * (`{title, detail, type, status}`), sometimes with an `errors` array of `{message}` (validation),
 * and its rate limits in `x-rate-limit-limit`, `-remaining` and `-reset` (epoch seconds).
 */
import { PlatformError, retryAtFrom } from "../types";

export const X_API = "https://api.x.com";

type Problem = { title?: string; detail?: string; type?: string; status?: number; errors?: { message?: string; detail?: string }[] };

/** X's own words for a failed answer. */
export async function xWords(response: Response): Promise<{ words: string; problem: Problem }> {
  const problem = (await response.clone().json().catch(() => ({}))) as Problem;
  const nested = (problem.errors ?? []).map((e) => e.message ?? e.detail).filter(Boolean);
  const words = [problem.detail ?? problem.title, ...nested].filter(Boolean).join("; ") || `HTTP ${response.status}`;
  return { words, problem };
}

export const isDuplicate = (words: string) => /duplicate content/i.test(words);

export async function xFailure(response: Response, what: string): Promise<PlatformError> {
  const { words } = await xWords(response);
  const status = response.status;
  if (status === 429) return new PlatformError("rate_limited", `X's rate limit was reached (${words})`, { status, retryAt: retryAtFrom(response.headers) });
  if (status === 401) return new PlatformError("auth", `X no longer accepts this account's sign-in (${words}): reconnect it`, { status });
  if (status >= 500) return new PlatformError("unavailable", `X failed while ${what} (${words})`, { status, retryAt: retryAtFrom(response.headers) });
  return new PlatformError("rejected", `X refused ${what}: ${words}`, { status });
}
