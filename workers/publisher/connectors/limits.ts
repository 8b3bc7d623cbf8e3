/**
 * Each platform's published posting limits per account, as windows of "cost" (what one post uses):
 * the RateLimiter Durable Object keeps a post inside all of them, and learns tighter ones from the
 * platform's 429s. Sources, as published by each platform:
 * - Bluesky (docs.bsky.app, Rate Limits): 5,000 points per hour and 35,000 per day per account; a
 *   created record costs 3 points.
 * - Mastodon (docs.joinmastodon.org, Rate limits): 300 statuses per 3 hours per account.
 * - X (API v2, POST /2/tweets): 100 requests per 15 minutes per user.
 * - Threads (Threads API, Publishing limits): 250 API-published posts per 24 hours.
 * - Instagram (Content Publishing): 100 API-published posts per 24 hours (read at runtime too).
 * - LinkedIn (Posts API, member rate limit): 150 posts per member per day.
 * - Facebook Pages: no fixed count (Business Use Case limits); 200 per hour keeps well inside them.
 * - YouTube (Data API v3): 10,000 quota units per day; videos.insert costs 1,600.
 * - TikTok (Content Posting API): 15 posts per creator per 24 hours.
 */
import type { Platform } from "../../../lib/domain/platforms";

export type RateWindow = { limit: number; windowMs: number };
export type PostingLimits = { cost: number; windows: RateWindow[] };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const POSTING_LIMITS: Record<Platform, PostingLimits> = {
  bluesky: { cost: 3, windows: [{ limit: 5_000, windowMs: HOUR }, { limit: 35_000, windowMs: DAY }] },
  mastodon: { cost: 1, windows: [{ limit: 300, windowMs: 3 * HOUR }] },
  x: { cost: 1, windows: [{ limit: 100, windowMs: 15 * MINUTE }] },
  threads: { cost: 1, windows: [{ limit: 250, windowMs: DAY }] },
  instagram: { cost: 1, windows: [{ limit: 100, windowMs: DAY }] },
  linkedin: { cost: 1, windows: [{ limit: 150, windowMs: DAY }] },
  facebook: { cost: 1, windows: [{ limit: 200, windowMs: HOUR }] },
  youtube: { cost: 1_600, windows: [{ limit: 10_000, windowMs: DAY }] },
  tiktok: { cost: 1, windows: [{ limit: 15, windowMs: DAY }] },
};
