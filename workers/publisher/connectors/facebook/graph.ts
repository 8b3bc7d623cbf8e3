/**
 * What Facebook Pages, Instagram and Threads share: Meta's Graph API. Calls, its error envelope
 * (`{error: {message, type, code, error_subcode, error_user_msg, is_transient, fbtrace_id}}`) turned
 * into PlatformErrors, the Business Use Case rate-limit header, and the container → publish flow of
 * Instagram and Threads (create a media container, wait until it is FINISHED, then publish it).
 */
import { callPlatform, PlatformError, retryAtFrom } from "../types";

/** Pinned so a Graph change reaches us when we move the pin, not on Meta's schedule (v24.0: October 2025). */
export const FACEBOOK_GRAPH_VERSION = "v24.0";
export const FACEBOOK_GRAPH = "https://graph.facebook.com";

/** Where one account's calls go: `base` includes the version (`https://graph.facebook.com/v24.0`). */
export type GraphTarget = { platform: string; base: string; accessToken: string; timeoutMs?: number | undefined };

type GraphErrorBody = {
  error?: { message?: string; type?: string; code?: number; error_subcode?: number; error_user_title?: string; error_user_msg?: string; is_transient?: boolean; fbtrace_id?: string };
};

/** Codes Meta documents for throttling: app (4), user (17), Page (32), per-call (613), Business Use Case (80001–80014). */
const THROTTLED = new Set([4, 17, 32, 613, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014]);
/** Invalid or expired token (190), session problems (102), and a permission that was removed (10, 200–299). */
const AUTH = (code: number) => code === 190 || code === 102 || code === 10 || (code >= 200 && code <= 299);
/** Instagram's and Threads' "you reached the maximum number of posts" (code 9, subcode 2207042). */
const PUBLISHING_LIMIT_SUBCODE = 2207042;

/**
 * When Meta lets the account back in: `estimated_time_to_regain_access` (minutes) of the
 * X-Business-Use-Case-Usage header, else Retry-After; Meta names no time for app-level limits,
 * whose window is one rolling hour, so a quarter of it is the guess then.
 */
export function graphRetryAt(headers: Headers, now = Date.now()): number {
  let minutes = 0;
  try {
    const usage = JSON.parse(headers.get("x-business-use-case-usage") ?? "{}") as Record<string, { estimated_time_to_regain_access?: number }[]>;
    for (const entries of Object.values(usage)) for (const entry of entries) minutes = Math.max(minutes, entry.estimated_time_to_regain_access ?? 0);
  } catch {
    // A header we cannot read is no reason to fail the call; fall back below.
  }
  if (minutes > 0) return now + minutes * 60_000;
  return retryAtFrom(headers, now) ?? now + 15 * 60_000;
}

/** A Graph answer that is not 2xx, as a PlatformError with Meta's own words and what to do about it. */
export async function graphFailure(platform: string, response: Response, what: string): Promise<PlatformError> {
  const { error = {} } = (await response.json().catch(() => ({}))) as GraphErrorBody;
  const code = error.code ?? 0;
  // error_user_msg is Meta's sentence for people; message is the developer's one. Keep both when they differ.
  const words = [error.error_user_msg, error.message].filter((w, i, all) => w && all.indexOf(w) === i).join(" — ") || `HTTP ${response.status}`;
  const ref = code ? ` (code ${code}${error.error_subcode ? `/${error.error_subcode}` : ""})` : "";
  const status = response.status;
  if (status === 429 || THROTTLED.has(code) || error.error_subcode === PUBLISHING_LIMIT_SUBCODE) {
    return new PlatformError("rate_limited", `${platform}'s rate limit was reached: ${words}${ref}`, { status: 429, retryAt: graphRetryAt(response.headers) });
  }
  if (status === 401 || AUTH(code)) return new PlatformError("auth", `${platform} no longer accepts this account's access (reconnect it): ${words}${ref}`, { status });
  if (status >= 500 || error.is_transient || code === 1 || code === 2) return new PlatformError("unavailable", `${platform} failed while ${what}: ${words}${ref}`, { status });
  return new PlatformError("rejected", `${platform} refused ${what}: ${words}${ref}`, { status });
}

/**
 * One Graph call. The token goes in the Authorization header (Graph accepts it there as well as in
 * the query), so it never lands in a URL or a log line. POST parameters are form-encoded, as Meta's
 * references show them, or multipart when a file goes along (FormData). `sends`: whether the call may
 * change something (see callPlatform).
 */
export async function graph<T>(target: GraphTarget, what: string, method: "GET" | "POST", path: string, params: Record<string, string | undefined> | FormData = {}, sends = method === "POST"): Promise<T> {
  const url = new URL(`${target.base}/${path}`);
  let body: BodyInit | undefined;
  if (params instanceof FormData) body = params;
  else {
    const fields = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
    if (method === "GET") for (const [k, v] of fields) url.searchParams.set(k, v);
    else body = new URLSearchParams(fields);
  }
  // FormData sets its own multipart content type with the boundary; URLSearchParams its form type.
  const request = new Request(url, { method, headers: { authorization: `Bearer ${target.accessToken}` }, ...(body ? { body } : {}) });
  const response = await callPlatform(target.platform, request, { sends, timeoutMs: target.timeoutMs });
  if (!response.ok) throw await graphFailure(target.platform, response, what);
  return (await response.json()) as T;
}

/**
 * How container status is polled. Meta advises once a minute for up to five minutes; an image is
 * usually ready within seconds, so the wait starts short and doubles. It ends within a minute: a
 * publication's claim is taken over after two (publish.ts, CLAIM_LEASE_MS), and a container still
 * processing is simply made again by the next attempt. Tests shorten it.
 */
export const containerPolling = { firstDelayMs: 2_000, maxDelayMs: 15_000, maxWaitMs: 60_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until a media container is FINISHED (ready to publish). ERROR and EXPIRED refuse the post
 * with the platform's reason; a container still IN_PROGRESS after the wait is `unavailable`: nothing
 * was published, and the next attempt makes a new container (an unpublished one expires by itself).
 */
export async function waitForContainer(target: GraphTarget, id: string, read: (target: GraphTarget, id: string) => Promise<{ status: string; reason: string | null }>): Promise<void> {
  const started = Date.now();
  let delay = containerPolling.firstDelayMs;
  for (;;) {
    const { status, reason } = await read(target, id);
    if (status === "FINISHED" || status === "PUBLISHED") return;
    if (status === "ERROR") throw new PlatformError("rejected", `${target.platform} could not process the media${reason ? `: ${reason}` : ""}`);
    if (status === "EXPIRED") throw new PlatformError("rejected", `${target.platform}'s media container expired before it was published`);
    if (Date.now() - started + delay > containerPolling.maxWaitMs) {
      throw new PlatformError("unavailable", `${target.platform} was still processing the media after ${Math.round((Date.now() - started) / 1000)} s; it will be tried again`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, containerPolling.maxDelayMs);
  }
}

/** A publishing quota as Instagram and Threads report it: `{data: [{quota_usage, config: {quota_total, quota_duration}}]}`. */
export type PublishingQuota = { used: number; total: number; durationMs: number };

export function parseQuota(body: { data?: { quota_usage?: number; config?: { quota_total?: number; quota_duration?: number } }[] }, fallbackTotal: number): PublishingQuota {
  const entry = body.data?.[0];
  return { used: entry?.quota_usage ?? 0, total: entry?.config?.quota_total ?? fallbackTotal, durationMs: (entry?.config?.quota_duration ?? 86_400) * 1000 };
}

/**
 * When a full quota frees a slot. The window is a moving 24 hours and the endpoint does not say when
 * the oldest post leaves it, so it is read off the account's own recent posts: the post whose 24 hours
 * end first (the (used − total + 1)th oldest in the window). Posts made in the app count here and not
 * in the quota, so the answer can be early, never late: the next attempt reads the quota again.
 */
export function quotaFreesAt(quota: PublishingQuota, postedAt: number[], now = Date.now()): number {
  const inWindow = postedAt.filter((t) => t > now - quota.durationMs).sort((a, b) => a - b);
  const oldest = inWindow[Math.max(0, quota.used - quota.total)];
  return oldest === undefined ? now + 60 * 60_000 : oldest + quota.durationMs;
}

/**
 * Whether a post the platform lists is this publication's: the same text (whitespace aside, as Meta
 * trims it) and made after the publication was created (a few minutes' grace for clocks). None of
 * these platforms takes an idempotency key, so the text is the marker.
 */
export function sameText(a: string | null | undefined, b: string): boolean {
  const norm = (s: string) => s.replace(/\s+/g, " ").trim();
  return norm(a ?? "") === norm(b);
}

/** Graph's `2026-11-23T10:00:00+0000` (no colon in the offset, which Date.parse need not accept) as epoch ms. */
export const graphTime = (timestamp: string | undefined) => (timestamp ? Date.parse(timestamp.replace(/([+-]\d\d)(\d\d)$/, "$1:$2")) : Number.NaN);

export const madeSince = (timestamp: string | undefined, createdAt: Date) => graphTime(timestamp) >= createdAt.getTime() - 5 * 60_000;

/**
 * Instagram and Threads count API-published posts per moving 24 hours: read the count before
 * publishing, and when it is full, say when a slot frees, as a rate limit (the platform's own
 * count, as binding as a 429), so the post waits instead of failing.
 */
export async function checkPublishingQuota(target: GraphTarget, userId: string, limitEdge: string, postsEdge: string, fallbackTotal: number): Promise<void> {
  const quota = parseQuota(await graph(target, "the publishing limit", "GET", `${userId}/${limitEdge}`, { fields: "quota_usage,config" }), fallbackTotal);
  if (quota.used < quota.total) return;
  const recent = await graph<{ data: { timestamp?: string }[] }>(target, "the recent posts", "GET", `${userId}/${postsEdge}`, { fields: "id,timestamp", limit: "100" });
  const retryAt = quotaFreesAt(quota, recent.data.map((m) => graphTime(m.timestamp)).filter(Number.isFinite));
  throw new PlatformError("rate_limited", `${target.platform}'s publishing limit of ${quota.total} posts per 24 hours is used up (${quota.used} so far); the next slot frees at ${new Date(retryAt).toISOString()}`, { status: 429, retryAt });
}

/** An insights answer (`{data: [{name, values: [{value}]}]}`) as name → number. */
export function insightValues(body: { data?: { name: string; values?: { value?: unknown }[]; total_value?: { value?: unknown } }[] }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const metric of body.data ?? []) {
    const value = metric.total_value?.value ?? metric.values?.[0]?.value;
    if (typeof value === "number") out[metric.name] = value;
  }
  return out;
}
