/**
 * TikTok's Open API calls and their envelope: every answer is `{data, error: {code, message, log_id}}`,
 * with `error.code` "ok" on success. Errors become PlatformErrors with TikTok's own code and words.
 */
import { callPlatform, PlatformError, retryAtFrom, type AccountSession } from "../types";

export const TIKTOK_API = "https://open.tiktokapis.com";

type Envelope<T> = { data?: T; error?: { code?: string; message?: string; log_id?: string } };

const AUTH_CODES = new Set(["access_token_invalid", "scope_not_authorized", "scope_permission_missed", "token_not_authorized_for_specified_user", "auth_removed"]);
/** Posting caps: TikTok names no time, and posts may go again once the creator's 24 hours move on; look again in an hour. */
const CAP_CODES = new Set(["spam_risk_too_many_posts", "spam_risk_too_many_pending_share", "reached_active_user_cap"]);
/** Words for people where TikTok's are terse. */
const EXPLAINED: Record<string, string> = {
  unaudited_client_can_only_post_to_private_accounts: "until TikTok has audited this app, it may only post to private accounts (or as 'only me')",
  privacy_level_option_mismatch: "the chosen audience is not one this creator allows",
  url_ownership_unverified: "the media's domain is not verified for this app in TikTok's developer portal",
  spam_risk_user_banned_from_posting: "TikTok has banned this account from posting",
  spam_risk_too_many_posts: "this creator reached TikTok's daily cap of posts through the API",
  reached_active_user_cap: "the app reached TikTok's daily cap of active posting users",
};

/** A TikTok error code (from the envelope or a failed post's `fail_reason`) as a PlatformError. */
export function tiktokError(code: string, message: string, what: string, status?: number, headers?: Headers): PlatformError {
  const words = [EXPLAINED[code], message].filter(Boolean).join(": ") || code;
  const said = `${words} (${code})`;
  const details = status === undefined ? {} : { status };
  if (status === 429 || code === "rate_limit_exceeded") {
    // TikTok's limits are per minute per token (6 inits, 30 status reads).
    return new PlatformError("rate_limited", `TikTok's rate limit was reached: ${said}`, { status: 429, retryAt: (headers && retryAtFrom(headers)) || Date.now() + 60_000 });
  }
  if (CAP_CODES.has(code)) return new PlatformError("rate_limited", `TikTok will not take more posts for now: ${said}`, { status: 429, retryAt: Date.now() + 3600_000 });
  if (status === 401 || AUTH_CODES.has(code)) return new PlatformError("auth", `TikTok no longer accepts this account's access (reconnect it): ${said}`, details);
  if ((status ?? 0) >= 500 || code === "internal_error" || code === "internal") return new PlatformError("unavailable", `TikTok failed while ${what}: ${said}`, details);
  return new PlatformError("rejected", `TikTok refused ${what}: ${said}`, details);
}

/** A POST (or GET) to the Open API with the account's token; `sends`: whether it may change something. */
export async function tiktokCall<T>(account: Pick<AccountSession, "serviceUrl" | "credentials" | "timeoutMs">, what: string, path: string, body?: unknown, { sends = false, method = "POST" }: { sends?: boolean; method?: "GET" | "POST" } = {}): Promise<T> {
  const url = `${(account.serviceUrl || TIKTOK_API).replace(/\/$/, "")}${path}`;
  const request = new Request(url, {
    method,
    headers: { authorization: `Bearer ${account.credentials.accessToken ?? ""}`, ...(method === "POST" ? { "content-type": "application/json; charset=UTF-8" } : {}) },
    ...(method === "POST" ? { body: JSON.stringify(body ?? {}) } : {}),
  });
  const response = await callPlatform("TikTok", request, { sends, timeoutMs: account.timeoutMs });
  // Post and video ids are int64 beyond JSON's safe integers: read them as strings, not rounded numbers.
  const text = (await response.text()).replace(/([:[,]\s*)(\d{16,})(?=\s*[,\]}])/g, '$1"$2"');
  const envelope = ((): Envelope<T> => {
    try {
      return JSON.parse(text) as Envelope<T>;
    } catch {
      return {};
    }
  })();
  const code = envelope.error?.code ?? (response.ok ? "ok" : `http_${response.status}`);
  if (!response.ok || code !== "ok") throw tiktokError(code, envelope.error?.message ?? "", what, response.status, response.headers);
  return envelope.data as T;
}
