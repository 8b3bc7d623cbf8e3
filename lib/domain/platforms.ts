/**
 * Every platform's limits, in one table used by the UI (live counters), the API, generation and the
 * publisher alike, so a post that passes here is a post the platform accepts.
 * Sources: X counts by twitter-text v3 (weighted, URLs 23, emoji 2); Bluesky counts graphemes
 * (app.bsky.feed.post maxGraphemes 300); Mastodon counts characters with every URL as 23, 500 by
 * default but per instance (read from the instance's configuration when connected).
 */
export const PLATFORMS = ["x", "bluesky", "threads", "mastodon", "linkedin", "instagram", "facebook", "youtube", "tiktok"] as const;
export type Platform = (typeof PLATFORMS)[number];

type Counting = "x-weighted" | "graphemes" | "characters" | "characters-urls-23";

export type MediaRules = { maxItems: number; maxImages: number; maxVideos: number; types: readonly string[]; mixImagesAndVideo: boolean };

export type PlatformLimits = {
  maxLength: number;
  counting: Counting;
  maxHashtags?: number;
  titleMaxLength?: number;
  requiresMedia?: boolean;
  media: MediaRules;
};

const IMAGES = ["image/jpeg", "image/png", "image/webp"];
const GIF = ["image/gif"];
const VIDEO = ["video/mp4", "video/quicktime"];

export const LIMITS: Record<Platform, PlatformLimits> = {
  x: { maxLength: 280, counting: "x-weighted", media: { maxItems: 4, maxImages: 4, maxVideos: 1, types: [...IMAGES, ...GIF, ...VIDEO], mixImagesAndVideo: false } },
  bluesky: { maxLength: 300, counting: "graphemes", media: { maxItems: 4, maxImages: 4, maxVideos: 1, types: [...IMAGES, ...GIF, "video/mp4"], mixImagesAndVideo: false } },
  threads: { maxLength: 500, counting: "characters", media: { maxItems: 20, maxImages: 20, maxVideos: 20, types: [...IMAGES, ...VIDEO], mixImagesAndVideo: true } },
  mastodon: { maxLength: 500, counting: "characters-urls-23", media: { maxItems: 4, maxImages: 4, maxVideos: 1, types: [...IMAGES, ...GIF, ...VIDEO, "video/webm"], mixImagesAndVideo: false } },
  linkedin: { maxLength: 3000, counting: "characters", media: { maxItems: 20, maxImages: 20, maxVideos: 1, types: [...IMAGES, ...GIF, ...VIDEO], mixImagesAndVideo: false } },
  instagram: {
    maxLength: 2200,
    counting: "characters",
    maxHashtags: 30,
    requiresMedia: true,
    media: { maxItems: 10, maxImages: 10, maxVideos: 10, types: ["image/jpeg", ...VIDEO], mixImagesAndVideo: true },
  },
  facebook: { maxLength: 63206, counting: "characters", media: { maxItems: 10, maxImages: 10, maxVideos: 1, types: [...IMAGES, ...GIF, ...VIDEO], mixImagesAndVideo: false } },
  youtube: { maxLength: 5000, counting: "characters", titleMaxLength: 100, requiresMedia: true, media: { maxItems: 1, maxImages: 0, maxVideos: 1, types: [...VIDEO, "video/webm"], mixImagesAndVideo: false } },
  tiktok: { maxLength: 2200, counting: "characters", requiresMedia: true, media: { maxItems: 35, maxImages: 35, maxVideos: 1, types: ["image/jpeg", "image/webp", ...VIDEO], mixImagesAndVideo: false } },
};

/** A connected Mastodon instance may allow longer posts than 500. */
export type LimitOverrides = { maxLength?: number };

export function limitsFor(platform: Platform, overrides: LimitOverrides = {}): PlatformLimits {
  return { ...LIMITS[platform], ...(overrides.maxLength ? { maxLength: overrides.maxLength } : {}) };
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/giu;
const URL_WEIGHT = 23;
const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

/** twitter-text v3: these code point ranges weigh 1, everything else 2; an emoji sequence weighs 2. */
const LIGHT_RANGES: readonly [number, number][] = [
  [0, 4351],
  [8192, 8205],
  [8208, 8223],
  [8242, 8247],
];

function xWeight(text: string): number {
  let weight = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (EMOJI.test(segment)) {
      weight += 2;
      continue;
    }
    for (const char of segment) {
      const code = char.codePointAt(0)!;
      weight += LIGHT_RANGES.some(([lo, hi]) => code >= lo && code <= hi) ? 1 : 2;
    }
  }
  return weight;
}

/** Text with every URL taken out, and how many URLs there were. */
function withoutUrls(text: string): { rest: string; urls: number } {
  let urls = 0;
  const rest = text.replace(URL_PATTERN, () => {
    urls++;
    return "";
  });
  return { rest, urls };
}

export function countLength(platform: Platform, text: string): number {
  const normalized = text.normalize("NFC");
  switch (LIMITS[platform].counting) {
    case "x-weighted": {
      const { rest, urls } = withoutUrls(normalized);
      return xWeight(rest) + urls * URL_WEIGHT;
    }
    case "graphemes":
      return [...graphemes.segment(normalized)].length;
    case "characters-urls-23": {
      const { rest, urls } = withoutUrls(normalized);
      return [...rest].length + urls * URL_WEIGHT;
    }
    case "characters":
      return [...normalized].length;
  }
}

export function hashtags(text: string): string[] {
  return text.match(/(?<![\p{L}\p{N}_&])#[\p{L}\p{N}_]+/gu) ?? [];
}

export type Measurement = { used: number; max: number; remaining: number; ok: boolean; problems: string[] };

/** How each platform is named to people. */
export const PLATFORM_NAMES: Record<Platform, string> = {
  x: "X",
  bluesky: "Bluesky",
  threads: "Threads",
  mastodon: "Mastodon",
  linkedin: "LinkedIn",
  instagram: "Instagram",
  facebook: "Facebook",
  youtube: "YouTube",
  tiktok: "TikTok",
};

export function measure(platform: Platform, text: string, overrides?: LimitOverrides): Measurement {
  const limits = limitsFor(platform, overrides);
  const used = countLength(platform, text);
  const problems: string[] = [];
  if (used > limits.maxLength) problems.push(`${used - limits.maxLength} over ${PLATFORM_NAMES[platform]}'s limit of ${limits.maxLength}`);
  const tags = hashtags(text).length;
  if (limits.maxHashtags !== undefined && tags > limits.maxHashtags) problems.push(`${tags} hashtags: ${PLATFORM_NAMES[platform]} allows at most ${limits.maxHashtags}`);
  return { used, max: limits.maxLength, remaining: limits.maxLength - used, ok: problems.length === 0, problems };
}

export type VariantMedia = { mime: string };

/** Everything that would make the platform refuse this post, as sentences for a person. */
export function validateVariant(platform: Platform, variant: { text: string; title?: string | null; media: VariantMedia[] }, overrides?: LimitOverrides): string[] {
  const limits = limitsFor(platform, overrides);
  const problems = [...measure(platform, variant.text, overrides).problems];
  if (limits.titleMaxLength !== undefined) {
    const title = variant.title ?? "";
    if (!title.trim()) problems.push(`${PLATFORM_NAMES[platform]} needs a title`);
    else if ([...title].length > limits.titleMaxLength) problems.push(`title is ${[...title].length - limits.titleMaxLength} over ${PLATFORM_NAMES[platform]}'s limit of ${limits.titleMaxLength}`);
  }
  const images = variant.media.filter((m) => m.mime.startsWith("image/")).length;
  const videos = variant.media.filter((m) => m.mime.startsWith("video/")).length;
  if (limits.requiresMedia && variant.media.length === 0) problems.push(`${PLATFORM_NAMES[platform]} needs at least one image or video`);
  if (variant.media.length > limits.media.maxItems) problems.push(`${variant.media.length} media: ${PLATFORM_NAMES[platform]} allows at most ${limits.media.maxItems}`);
  if (images > limits.media.maxImages) problems.push(`${images} images: ${PLATFORM_NAMES[platform]} allows at most ${limits.media.maxImages}`);
  if (videos > limits.media.maxVideos) problems.push(`${videos} videos: ${PLATFORM_NAMES[platform]} allows at most ${limits.media.maxVideos}`);
  if (images && videos && !limits.media.mixImagesAndVideo) problems.push(`${PLATFORM_NAMES[platform]} does not mix images and video in one post`);
  for (const m of variant.media) if (!limits.media.types.includes(m.mime)) problems.push(`${PLATFORM_NAMES[platform]} does not accept ${m.mime}`);
  return problems;
}
