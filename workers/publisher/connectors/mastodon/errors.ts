/**
 * Mastodon's errors as PlatformErrors. Mastodon answers `{"error": "..."}` (OAuth errors add
 * `error_description`), and its rate limits in `X-RateLimit-Limit`, `-Remaining` and `-Reset`, the
 * reset as an ISO 8601 timestamp (docs.joinmastodon.org, Rate limits).
 */
import { PlatformError, retryAtFrom } from "../types";

export async function mastodonWords(response: Response): Promise<string> {
  const body = (await response.clone().json().catch(() => ({}))) as { error?: string; error_description?: string };
  return [body.error, body.error_description].filter(Boolean).join(": ") || `HTTP ${response.status}`;
}

/** When Mastodon's limit lets the account go again: its ISO reset, or any standard header. */
export function mastodonRetryAt(headers: Headers): number | undefined {
  const reset = headers.get("x-ratelimit-reset");
  const at = reset ? Date.parse(reset) : NaN;
  return Number.isNaN(at) ? retryAtFrom(headers) : at;
}

export async function mastodonFailure(response: Response, what: string): Promise<PlatformError> {
  const words = await mastodonWords(response);
  const status = response.status;
  if (status === 429) return new PlatformError("rate_limited", `Mastodon's rate limit was reached (${words})`, { status, retryAt: mastodonRetryAt(response.headers) });
  if (status === 401) return new PlatformError("auth", `The Mastodon instance no longer accepts this account's sign-in (${words}): reconnect it`, { status });
  if (status >= 500) return new PlatformError("unavailable", `The Mastodon instance failed while ${what} (${words})`, { status });
  return new PlatformError("rejected", `Mastodon refused ${what}: ${words}`, { status });
}
