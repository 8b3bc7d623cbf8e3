/**
 * One interface for every platform: validate → (upload media →) create → confirm, and find a post
 * after an attempt whose outcome was lost. A connector speaks its platform's real API and nothing
 * else; scheduling, claiming and recording are publish.ts's job.
 */

export type OutgoingMedia = {
  bytes: Uint8Array;
  mime: string;
  alt: string;
  width: number | null;
  height: number | null;
  /**
   * Where the platform can fetch the file itself, for platforms that take media only by URL
   * (Instagram, Threads; TikTok's PULL_FROM_URL): a signed, expiring public URL the publisher mints.
   */
  publicUrl?: string;
};

export type OutgoingPost = {
  text: string;
  link: string | null;
  /** The variant's title, where the platform has one (YouTube). */
  title?: string | null;
  media: OutgoingMedia[];
  /**
   * The posts after the first, published in order as a chain of replies (each answers the one before;
   * the media goes with the first). The publication is the first post: its id and URL. Always set by
   * publish.ts (empty for a single post); optional only so a post built by hand may leave it out.
   */
  thread?: string[];
  /** Stable for the publication across attempts: sent where the platform accepts one. */
  idempotencyKey: string;
  /** When the publication was created: stable even when it is rescheduled, for keys derived from time. */
  createdAt: Date;
  /**
   * For platforms that confirm a post long after taking it (TikTok moderates for minutes, sometimes
   * hours, and lists the post nowhere meanwhile): what an earlier attempt of this publication noted
   * with `notePending` (TikTok's publish id), so `find` can ask about it instead of guessing.
   */
  pending?: string | null;
  /** Keeps `pending` for the next attempts of this publication (null forgets it); publish.ts keeps it with the publication. */
  notePending?(value: string | null): Promise<void>;
};

/** A published post as the platform knows it. */
export type PostRef = { externalId: string; url: string };

/** The connected account as a connector needs it: where its API is and its (unsealed) credentials. */
export type AccountSession = {
  serviceUrl: string;
  externalId: string;
  handle: string;
  credentials: Record<string, string>;
  /** How long one call may take before its outcome counts as unknown (20 s unless set). */
  timeoutMs?: number;
  /** Stores refreshed credentials (sealed) so the next post reuses them instead of signing in again. */
  saveCredentials(credentials: Record<string, string>, expiresAt: Date | null): Promise<void>;
};

/** A post's engagement as its platform reports it; null where the platform does not give that figure. */
export type PostMetrics = { impressions: number | null; likes: number | null; comments: number | null; shares: number | null; clicks: number | null };

export interface Connector {
  /** Problems that make the post unpublishable on this platform, before anything is sent. */
  validate(post: OutgoingPost): string[];
  /**
   * Uploads the media, creates the post and, on platforms that publish asynchronously, confirms it
   * (status polling): resolves only once the platform has the post and gave its id.
   */
  publish(account: AccountSession, post: OutgoingPost): Promise<PostRef>;
  /** The post, if an earlier attempt created it; asked before any retry. */
  find(account: AccountSession, post: OutgoingPost): Promise<PostRef | null>;
  /** The post's current engagement. */
  metrics(account: AccountSession, ref: PostRef): Promise<PostMetrics>;
}

/**
 * What went wrong, in the platform's own words (`message`), and what to do about it:
 * - `rejected`: the platform refused this post; retrying will not help.
 * - `auth`: the account's credentials no longer work; the account must be reconnected.
 * - `rate_limited`: wait until `retryAt`, then go again; not a failure.
 * - `unavailable`: the platform failed before taking the post (5xx, network); safe to retry.
 * - `unknown`: the request may have reached the platform (a timeout after sending); look before retrying.
 */
export type PlatformErrorKind = "rejected" | "auth" | "rate_limited" | "unavailable" | "unknown";

export class PlatformError extends Error {
  override name = "PlatformError";
  constructor(
    readonly kind: PlatformErrorKind,
    message: string,
    readonly details: { status?: number; retryAt?: number } = {},
  ) {
    super(message);
  }
}

/** Calls a platform with a deadline; a timeout or network error becomes `unknown` or `unavailable`. */
export async function callPlatform(platform: string, request: Request, { timeoutMs = 20_000, sends = true }: { timeoutMs?: number | undefined; sends?: boolean } = {}): Promise<Response> {
  try {
    const response = await fetch(request, { signal: AbortSignal.timeout(timeoutMs) });
    // The whole answer is read inside the deadline. Read later, a body cut off by the deadline made
    // a refusal without its reason (a 400 whose "RecordNotFound" never arrived), which was taken for
    // a permanent one: the publish-faults benchmark failed 43 to 65 posts in 10,000 that way.
    // Platforms answer with small JSON documents, so holding one in memory costs nothing.
    const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  } catch (err) {
    const reason = err instanceof Error && err.name === "TimeoutError" ? `did not answer within ${timeoutMs / 1000} s` : `could not be reached (${err instanceof Error ? err.message : String(err)})`;
    // A request that changes something may have been applied even though no answer came back.
    throw new PlatformError(sends ? "unknown" : "unavailable", `${platform} ${reason}`);
  }
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** When a 429 or a 503 says to come back, from Retry-After (seconds or a date) or a reset header. */
export function retryAtFrom(headers: Headers, now = Date.now()): number | undefined {
  const after = headers.get("retry-after");
  if (after) {
    const seconds = Number(after);
    if (Number.isFinite(seconds)) return now + seconds * 1000;
    const date = Date.parse(after);
    if (!Number.isNaN(date)) return date;
  }
  // Bluesky's `ratelimit-reset` and X's `x-rate-limit-reset` are epoch seconds.
  const reset = Number(headers.get("ratelimit-reset") ?? headers.get("x-rate-limit-reset"));
  return Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined;
}
