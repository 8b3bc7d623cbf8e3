/**
 * Every platform's limits, in one table used by the UI (live counters), the API, generation and the
 * publisher alike, so a post that passes here is a post the platform accepts. Each platform counts
 * length its own way (see `Counting`); the sources are noted beside each entry.
 */
import { parse as parseDomain } from "tldts";

export const PLATFORMS = ["x", "bluesky", "threads", "mastodon", "linkedin", "instagram", "facebook", "youtube", "tiktok"] as const;
export type Platform = (typeof PLATFORMS)[number];

/**
 * Platforms where a post can be followed by replies of its own author, published as one chain: X
 * (`reply.in_reply_to_tweet_id`), Bluesky (a record's `reply` root and parent), Threads
 * (`reply_to_id`), Mastodon (`in_reply_to_id`). Elsewhere a variant is one post.
 */
export const THREAD_PLATFORMS: readonly Platform[] = ["x", "bluesky", "threads", "mastodon"];
export const hasThreads = (platform: Platform) => THREAD_PLATFORMS.includes(platform);
/** The most parts after the first post a thread may have (X's and Threads' reply chains are not capped, this keeps one publication short). */
export const MAX_THREAD_PARTS = 24;

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

/**
 * How a platform measures a text:
 * - `x`: twitter-text's v3 configuration (weighted code points, every URL 23, an emoji 2, NFC first);
 * - `graphemes`: what a reader sees as one character (Intl.Segmenter);
 * - `threads`: graphemes, but an emoji counts its UTF-8 bytes (Threads API, "Limitations");
 * - `mastodon`: graphemes, with every http(s) URL counted as 23 and a remote mention `@ann@host` as
 *   `@ann` (Mastodon's StatusLengthValidator);
 * - `utf16`: UTF-16 code units: TikTok documents its caption in "UTF-16 runes"; where a platform does not
 *   say how it counts, this is never below its count, so a post that fits here fits there;
 * - `utf8`: bytes (YouTube's description: "maximum length of 5000 bytes").
 */
export type Counting = "x" | "graphemes" | "threads" | "mastodon" | "utf16" | "utf8";

/** One kind of attachment a platform takes: which types, how many in one post, how large each. */
export type MediaRule = { kind: "image" | "gif" | "video" | "document"; max: number; mimes: readonly string[]; maxBytes?: number };

export type PlatformLimits = {
  /** The length limit, in the platform's own counting. */
  maxLength: number;
  counting: Counting;
  /** What one URL counts, where the platform counts URLs at a fixed length. */
  urlLength?: number;
  /** A second cap, in UTF-8 bytes, on the same text. */
  maxBytes?: number;
  maxHashtags?: number;
  maxLinks?: number;
  /** Characters the platform refuses in the text and title. */
  forbidden?: RegExp;
  title?: { maxLength: number };
  requiresMedia: boolean;
  media: {
    maxItems: number;
    rules: readonly MediaRule[];
    /** Whether one post may carry more than one kind (a carousel of images and videos). */
    mixKinds: boolean;
  };
};

const MB = 1024 * 1024;
const JPEG = "image/jpeg";
const PNG = "image/png";
const WEBP = "image/webp";
const GIF = "image/gif";
const MP4 = "video/mp4";
const MOV = "video/quicktime";
const WEBM = "video/webm";

/**
 * twitter-text's config/v3.json: code points in these ranges weigh 100, every other 200, an emoji
 * (with emoji parsing on) 200, a URL `transformedURLLength` whatever its length; scale 100.
 */
const X_CONFIG = {
  maxWeightedTweetLength: 280,
  scale: 100,
  defaultWeight: 200,
  transformedURLLength: 23,
  ranges: [
    { start: 0, end: 4351, weight: 100 },
    { start: 8192, end: 8205, weight: 100 },
    { start: 8208, end: 8223, weight: 100 },
    { start: 8242, end: 8247, weight: 100 },
  ],
} as const;

export const LIMITS: Record<Platform, PlatformLimits> = {
  // X: twitter-text v3 (above); twitter-text refuses U+FFFE, U+FEFF, U+FFFF and U+202A–U+202E.
  // Media (X API media best practices): up to 4 images (5 MB), or 1 GIF (15 MB), or 1 video (512 MB).
  x: {
    maxLength: X_CONFIG.maxWeightedTweetLength,
    counting: "x",
    urlLength: X_CONFIG.transformedURLLength,
    forbidden: /[\uFFFE\uFEFF\uFFFF\u202A-\u202E]/u,
    requiresMedia: false,
    media: {
      maxItems: 4,
      mixKinds: false,
      rules: [
        { kind: "image", max: 4, mimes: [JPEG, PNG, WEBP], maxBytes: 5 * MB },
        { kind: "gif", max: 1, mimes: [GIF], maxBytes: 15 * MB },
        { kind: "video", max: 1, mimes: [MP4, MOV], maxBytes: 512 * MB },
      ],
    },
  },
  // Bluesky lexicons: app.bsky.feed.post text maxGraphemes 300 and maxLength 3000 (bytes);
  // app.bsky.embed.images at most 4, each blob image/* up to 1,000,000 bytes; app.bsky.embed.video
  // one video/mp4 up to 100,000,000 bytes. A GIF is taken as an image.
  bluesky: {
    maxLength: 300,
    counting: "graphemes",
    maxBytes: 3000,
    requiresMedia: false,
    media: {
      maxItems: 4,
      mixKinds: false,
      rules: [
        { kind: "image", max: 4, mimes: [JPEG, PNG, WEBP, GIF], maxBytes: 1_000_000 },
        { kind: "video", max: 1, mimes: [MP4], maxBytes: 100_000_000 },
      ],
    },
  },
  // Threads API (Posts, Limitations; Media specifications): 500 characters, at most 5 links;
  // images JPEG/PNG up to 8 MB, videos MOV/MP4 up to 1 GB; a carousel holds up to 20, mixed.
  threads: {
    maxLength: 500,
    counting: "threads",
    maxLinks: 5,
    requiresMedia: false,
    media: {
      maxItems: 20,
      mixKinds: true,
      rules: [
        { kind: "image", max: 20, mimes: [JPEG, PNG], maxBytes: 8 * MB },
        { kind: "video", max: 20, mimes: [MP4, MOV], maxBytes: 1024 * MB },
      ],
    },
  },
  // Mastodon defaults (an instance may change them; see `LimitOverrides`): 500 characters, URLs 23,
  // 4 attachments: images (JPEG, PNG, GIF, WebP, HEIC, AVIF; 16 MB) or one video (MP4, MOV, WebM; 99 MB).
  mastodon: {
    maxLength: 500,
    counting: "mastodon",
    urlLength: 23,
    requiresMedia: false,
    media: {
      maxItems: 4,
      mixKinds: false,
      rules: [
        { kind: "image", max: 4, mimes: [JPEG, PNG, GIF, WEBP, "image/heic", "image/avif"], maxBytes: 16 * MB },
        { kind: "video", max: 1, mimes: [MP4, MOV, WEBM], maxBytes: 99 * MB },
      ],
    },
  },
  // LinkedIn Posts API: commentary up to 3,000 characters; a multi-image post holds up to 20 images
  // (JPEG, PNG, GIF); or one video (MP4); or one document (PDF).
  linkedin: {
    maxLength: 3000,
    counting: "utf16",
    requiresMedia: false,
    media: {
      maxItems: 20,
      mixKinds: false,
      rules: [
        { kind: "image", max: 20, mimes: [JPEG, PNG, GIF] },
        { kind: "video", max: 1, mimes: [MP4] },
        { kind: "document", max: 1, mimes: ["application/pdf"] },
      ],
    },
  },
  // Instagram Content Publishing API: caption 2,200 characters and 30 hashtags; images JPEG only, up
  // to 8 MB; videos MP4/MOV; a carousel up to 10 items, images and videos mixed; no post without media.
  instagram: {
    maxLength: 2200,
    counting: "utf16",
    maxHashtags: 30,
    requiresMedia: true,
    media: {
      maxItems: 10,
      mixKinds: true,
      rules: [
        { kind: "image", max: 10, mimes: [JPEG], maxBytes: 8 * MB },
        { kind: "video", max: 10, mimes: [MP4, MOV] },
      ],
    },
  },
  // Facebook Pages: 63,206 characters; photos (JPEG, PNG, GIF) attached to one post, or one video.
  // The Graph API sets no number for attached photos; 10 is what we attach and have seen accepted.
  facebook: {
    maxLength: 63206,
    counting: "utf16",
    requiresMedia: false,
    media: {
      maxItems: 10,
      mixKinds: false,
      rules: [
        { kind: "image", max: 10, mimes: [JPEG, PNG, GIF] },
        { kind: "video", max: 1, mimes: [MP4, MOV] },
      ],
    },
  },
  // YouTube Data API (videos resource): title up to 100 characters, description up to 5,000 bytes,
  // neither may contain < or >; one video per upload.
  youtube: {
    maxLength: 5000,
    counting: "utf8",
    forbidden: /[<>]/u,
    title: { maxLength: 100 },
    requiresMedia: true,
    media: { maxItems: 1, mixKinds: false, rules: [{ kind: "video", max: 1, mimes: [MP4, MOV, WEBM] }] },
  },
  // TikTok Content Posting API: caption up to 2,200 UTF-16 runes; a photo post up to 35 images (JPEG or
  // WebP, no PNG, 20 MB each) or one video (MP4, WebM, MOV); never both; never without media.
  tiktok: {
    maxLength: 2200,
    counting: "utf16",
    requiresMedia: true,
    media: {
      maxItems: 35,
      mixKinds: false,
      rules: [
        { kind: "image", max: 35, mimes: [JPEG, WEBP], maxBytes: 20 * MB },
        { kind: "video", max: 1, mimes: [MP4, WEBM, MOV] },
      ],
    },
  },
};

/**
 * What a connected account allows beyond the defaults: a Mastodon instance's
 * `configuration.statuses` (max_characters, max_media_attachments, characters_reserved_per_url),
 * or an X account with longer posts.
 */
export type LimitOverrides = { maxLength?: number; maxMedia?: number; urlLength?: number };

export function limitsFor(platform: Platform, overrides: LimitOverrides = {}): PlatformLimits {
  const base = LIMITS[platform];
  return {
    ...base,
    ...(overrides.maxLength ? { maxLength: overrides.maxLength } : {}),
    ...(overrides.urlLength && base.urlLength ? { urlLength: overrides.urlLength } : {}),
    ...(overrides.maxMedia ? { media: { ...base.media, maxItems: overrides.maxMedia } } : {}),
  };
}

// ---- URLs, the way twitter-text finds them ----

/**
 * A URL candidate: optional scheme, dotted host, optional port, then path/query/fragment up to
 * whitespace. Not after an ASCII letter or digit, @, $ or # (twitter-text's validUrlPrecedingChars), so
 * e-mail addresses and hashtags are not URLs.
 */
const URL_CANDIDATE = /(?<![A-Za-z0-9@＠$#＃\uFFFE\uFEFF\uFFFF\u202A-\u202E])(https?:\/\/)?((?:[\p{L}\p{N}_-]+\.)+[\p{L}\p{N}-]+)(:\d{1,5})?([/?#][^\s"<>]*)?/giu;
/** A URL does not end in punctuation that ends the sentence around it. */
const URL_END = /^[\p{L}\p{N}\p{M}=_#/+\-]$/u;

function trimUrlTail(tail: string): string {
  let open = tail.split("(").length - 1;
  let close = tail.split(")").length - 1;
  let end = tail.length;
  while (end > 0) {
    const width = end >= 2 && /[\uDC00-\uDFFF]/.test(tail[end - 1]!) ? 2 : 1;
    const last = tail.slice(end - width, end);
    if (URL_END.test(last)) break;
    // A closing parenthesis belongs to the URL when it closes one opened inside it (Wikipedia links).
    if (last === ")" && open >= close) break;
    if (last === ")") close--;
    if (last === "(") open--;
    end -= width;
  }
  return tail.slice(0, end);
}

/**
 * Whether the host can be a link. Labels of at most 63 characters once punycoded, no hyphen at
 * either end, no underscore in the registrable name, and a real top-level domain. Without a scheme,
 * the host must be ASCII, and a name directly under a country code (`example.de`) needs a path to
 * count, except .co and .tv (twitter-text's invalidShortDomain and validSpecialShortDomain).
 */
function linkableHost(host: string, hasScheme: boolean, hasPath: boolean): boolean {
  if (!hasScheme && !/^[\x21-\x7e]+$/.test(host)) return false;
  let ascii: string;
  try {
    ascii = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  const labels = ascii.split(".");
  if (labels.some((l) => l.length === 0 || l.length > 63 || l.startsWith("-") || l.endsWith("-"))) return false;
  if (labels.slice(-2).some((l) => l.includes("_"))) return false;
  if (!parseDomain(ascii).isIcann) return false;
  const tld = labels.at(-1)!;
  if (!hasScheme && !hasPath && labels.length === 2 && tld.length === 2 && tld !== "co" && tld !== "tv") return false;
  return true;
}

export type UrlSpan = { start: number; end: number; url: string };

/** The URLs in a text, as the platforms link them; without `bare`, only those with http(s)://. */
export function findUrls(text: string, { bare = true }: { bare?: boolean } = {}): UrlSpan[] {
  const spans: UrlSpan[] = [];
  const candidates = new RegExp(URL_CANDIDATE);
  for (let match = candidates.exec(text); match; match = candidates.exec(text)) {
    const [, scheme, host = "", port = "", rawTail = ""] = match;
    const tail = trimUrlTail(rawTail);
    const linked = scheme ? linkableHost(host, true, false) : bare && !/[-_./]/.test(text[match.index - 1] ?? "") && linkableHost(host, false, tail.length > 0);
    if (!linked) {
      // A link without a scheme may start right after a non-ASCII letter ("日本example.com"); nowhere
      // else inside a refused candidate, so the search goes on from there or from its end.
      const lastNonAscii = scheme ? -1 : host.search(/[^\x00-\x7f][\x00-\x7f]*$/u);
      const after = lastNonAscii >= 0 ? lastNonAscii + (host.codePointAt(lastNonAscii)! > 0xffff ? 2 : 1) : match[0].length;
      candidates.lastIndex = match.index + after;
      continue;
    }
    const url = `${scheme ?? ""}${host}${port}${tail}`;
    spans.push({ start: match.index, end: match.index + url.length, url });
    candidates.lastIndex = match.index + url.length;
  }
  return spans;
}

/** The text with each URL replaced by what it counts as. */
function replaceUrls(text: string, urls: UrlSpan[], replacement: (url: string) => string): string {
  let out = "";
  let at = 0;
  for (const span of urls) {
    out += text.slice(at, span.start) + replacement(span.url);
    at = span.end;
  }
  return out + text.slice(at);
}

// ---- counting ----

const graphemeSegmenter = new Intl.Segmenter("en", { granularity: "grapheme" });
const utf8 = new TextEncoder();
const EMOJI_OR_CODE_POINT = /(\p{RGI_Emoji})|[\s\S]/gv;
const EMOJI = /\p{RGI_Emoji}|\p{Extended_Pictographic}/v;
/** Account::MENTION_RE's remote form: Mastodon counts `@ann@example.social` as `@ann`. */
const REMOTE_MENTION = /(?<![=/\w])@([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)@[\p{L}\w.-]*\w/giu;

const graphemeCount = (text: string) => Array.from(graphemeSegmenter.segment(text)).length;

function xWeight(text: string, urlLength: number): number {
  const normalized = text.normalize("NFC");
  const urls = findUrls(normalized);
  let weight = urls.length * urlLength * X_CONFIG.scale;
  for (const [char, emoji] of replaceUrls(normalized, urls, () => "").matchAll(EMOJI_OR_CODE_POINT)) {
    if (emoji) {
      weight += X_CONFIG.defaultWeight;
      continue;
    }
    const code = char.codePointAt(0)!;
    weight += X_CONFIG.ranges.find((r) => code >= r.start && code <= r.end)?.weight ?? X_CONFIG.defaultWeight;
  }
  return weight / X_CONFIG.scale;
}

/** The length of a text as the platform counts it against `maxLength`. */
export function countLength(platform: Platform, text: string, overrides?: LimitOverrides): number {
  const limits = limitsFor(platform, overrides);
  switch (limits.counting) {
    case "x":
      return xWeight(text, limits.urlLength ?? X_CONFIG.transformedURLLength);
    case "graphemes":
      return graphemeCount(text);
    case "threads": {
      let n = 0;
      for (const { segment } of graphemeSegmenter.segment(text)) n += EMOJI.test(segment) ? utf8.encode(segment).length : 1;
      return n;
    }
    case "mastodon": {
      const placeholder = "x".repeat(limits.urlLength ?? 23);
      return graphemeCount(replaceUrls(text, findUrls(text, { bare: false }), () => placeholder).replace(REMOTE_MENTION, "@$1"));
    }
    case "utf16":
      return text.length;
    case "utf8":
      return utf8.encode(text).length;
  }
}

/**
 * The hashtags in a text, without their sign, in order: `#` or `＃` then letters, marks, digits and
 * `_`, with at least one letter (`#2024` is not a tag), not inside a word or a URL.
 */
export function extractHashtags(text: string): string[] {
  const withoutUrls = replaceUrls(text, findUrls(text), () => " ");
  const tags: string[] = [];
  for (const match of withoutUrls.matchAll(/(?<![\p{L}\p{M}\p{N}_&#＃])[#＃](?![\uFE0F\u20E3])([\p{L}\p{M}\p{N}_\u200C\u200D\u00B7]+)/gu)) {
    if (/[\p{L}\p{M}]/u.test(match[1]!)) tags.push(match[1]!);
  }
  return tags;
}

export type Measurement = { used: number; max: number; remaining: number; ok: boolean; problems: string[] };

const unitOf = (limits: PlatformLimits) => (limits.counting === "utf8" ? "bytes" : "characters");

/** What makes the text too long: the platform's own count, and a byte cap where it has one. */
function lengthProblems(platform: Platform, text: string, limits: PlatformLimits, used: number): string[] {
  const name = PLATFORM_NAMES[platform];
  const problems: string[] = [];
  if (used > limits.maxLength) problems.push(`${used - limits.maxLength} over ${name}'s limit of ${limits.maxLength} ${unitOf(limits)}`);
  if (limits.maxBytes !== undefined) {
    const bytes = utf8.encode(text).length;
    if (bytes > limits.maxBytes) problems.push(`${bytes} bytes: ${name} allows at most ${limits.maxBytes} bytes of text`);
  }
  return problems;
}

function forbiddenProblem(platform: Platform, text: string, limits: PlatformLimits, what: string): string[] {
  if (!limits.forbidden) return [];
  const found = [...new Set(text.match(new RegExp(limits.forbidden.source, "gu")) ?? [])];
  if (found.length === 0) return [];
  const shown = found.map((c) => (/[\p{L}\p{N}\p{P}\p{S}]/u.test(c) ? c : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`));
  return [`${PLATFORM_NAMES[platform]} does not allow ${shown.join(" ")} in the ${what}`];
}

/** The live counter: the text against the platform's limits, with every problem as a sentence. */
export function measure(platform: Platform, text: string, overrides?: LimitOverrides): Measurement {
  const limits = limitsFor(platform, overrides);
  const name = PLATFORM_NAMES[platform];
  const used = countLength(platform, text, overrides);
  const problems = [...lengthProblems(platform, text, limits, used), ...forbiddenProblem(platform, text, limits, "text")];
  if (limits.maxHashtags !== undefined) {
    const tags = extractHashtags(text).length;
    if (tags > limits.maxHashtags) problems.push(`${tags} hashtags: ${name} allows at most ${limits.maxHashtags}`);
  }
  if (limits.maxLinks !== undefined) {
    const links = new Set(findUrls(text).map((u) => u.url)).size;
    if (links > limits.maxLinks) problems.push(`${links} links: ${name} allows at most ${limits.maxLinks}`);
  }
  return { used, max: limits.maxLength, remaining: limits.maxLength - used, ok: problems.length === 0, problems };
}

/** An attachment as stored: its sniffed type and, when known, its size in bytes. */
export type VariantMedia = { mime: string; size?: number | null };

/** Each kind as a person reads it: singular, plural, with its article. */
const KIND_NAMES: Record<MediaRule["kind"], [string, string, string]> = {
  image: ["image", "images", "an image"],
  gif: ["GIF", "GIFs", "a GIF"],
  video: ["video", "videos", "a video"],
  document: ["document", "documents", "a document"],
};
const megabytes = (bytes: number) => `${Number((bytes / MB).toFixed(1))} MB`;

function mediaProblems(platform: Platform, media: VariantMedia[], limits: PlatformLimits): string[] {
  const name = PLATFORM_NAMES[platform];
  const { rules, maxItems, mixKinds } = limits.media;
  const problems: string[] = [];
  if (limits.requiresMedia && media.length === 0) {
    problems.push(`${name} needs at least one ${rules.map((r) => KIND_NAMES[r.kind][0]).join(" or ")}`);
  }
  if (media.length > maxItems) problems.push(`${media.length} media: ${name} allows at most ${maxItems}`);
  const used = new Map<MediaRule, number>();
  for (const item of media) {
    const rule = rules.find((r) => r.mimes.includes(item.mime));
    if (!rule) {
      problems.push(`${name} does not accept ${item.mime}`);
      continue;
    }
    used.set(rule, (used.get(rule) ?? 0) + 1);
    if (item.size && rule.maxBytes && item.size > rule.maxBytes) {
      problems.push(`${KIND_NAMES[rule.kind][2]} of ${megabytes(item.size)}: ${name} allows at most ${megabytes(rule.maxBytes)}`);
    }
  }
  for (const [rule, n] of used) {
    if (n > rule.max) problems.push(`${n} ${KIND_NAMES[rule.kind][1]}: ${name} allows at most ${rule.max}`);
  }
  if (!mixKinds && used.size > 1) {
    problems.push(`${name} does not mix ${[...used.keys()].map((r) => KIND_NAMES[r.kind][1]).join(" and ")} in one post`);
  }
  return problems;
}

/**
 * What is wrong with each later post of a thread, by its index in `thread` (the post after the
 * first is index 0): measured exactly as the first post is. A platform without threads takes none.
 */
export function threadProblems(platform: Platform, thread: readonly string[], overrides?: LimitOverrides): { index: number; problems: string[] }[] {
  if (thread.length === 0) return [];
  if (!hasThreads(platform)) return [{ index: 0, problems: [`${PLATFORM_NAMES[platform]} has no threads: a variant there is one post`] }];
  const found = thread.map((part, index) => ({
    index,
    problems: part.trim() ? measure(platform, part, overrides).problems : ["is empty"],
  }));
  if (thread.length > MAX_THREAD_PARTS) found.push({ index: MAX_THREAD_PARTS, problems: [`at most ${MAX_THREAD_PARTS} posts after the first`] });
  return found.filter((f) => f.problems.length > 0);
}

/** Everything that would make the platform refuse this variant, as sentences for a person. */
export function validateVariant(
  platform: Platform,
  variant: { text: string; title?: string | null; media: VariantMedia[]; thread?: readonly string[] },
  overrides?: LimitOverrides,
): string[] {
  const limits = limitsFor(platform, overrides);
  const name = PLATFORM_NAMES[platform];
  const problems = [...measure(platform, variant.text, overrides).problems];
  if (limits.title) {
    const title = variant.title?.trim() ?? "";
    if (!title) problems.push(`${name} needs a title`);
    else if (title.length > limits.title.maxLength) problems.push(`title is ${title.length - limits.title.maxLength} over ${name}'s limit of ${limits.title.maxLength}`);
    problems.push(...forbiddenProblem(platform, title, limits, "title"));
  }
  const thread = threadProblems(platform, variant.thread ?? [], overrides).flatMap(({ index, problems: p }) =>
    hasThreads(platform) ? p.map((problem) => `post ${index + 2} of the thread: ${problem}`) : p,
  );
  return [...problems, ...mediaProblems(platform, variant.media, limits), ...thread];
}

// ---- shortening ----

const sentenceSegmenter = new Intl.Segmenter("en", { granularity: "sentence" });
const ELLIPSIS = "…";
/** What may go before an ellipsis is dropped: "alpha, beta, gamma" → "alpha, beta…". */
const DANGLING = /[\s,;:.…([{\-–—]/u;

/**
 * The longest prefix `text.slice(0, end)` among ascending `ends` whose shortened form fits, by binary
 * search: a longer prefix never counts less when it ends where a word ends.
 */
function longestFitting(text: string, ends: number[], shortened: (prefix: string) => string, fits: (t: string) => boolean): string | undefined {
  let lo = 0;
  let hi = ends.length - 1;
  let best: string | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const candidate = shortened(text.slice(0, ends[mid]));
    if (fits(candidate)) {
      best = candidate;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** Where each sentence ends, its trailing space left out. */
function sentenceEnds(text: string): number[] {
  return [...sentenceSegmenter.segment(text)].map((s) => s.index + s.segment.trimEnd().length).filter((end) => end > 0);
}

/**
 * Where each word ends once dangling punctuation is dropped; a word that is all punctuation ("—")
 * ends where the word before it does. Ascending, without repeats, and linear in the text.
 */
function wordEnds(text: string): number[] {
  const ends: number[] = [];
  let previous = 0;
  for (const word of text.matchAll(/\S+/gu)) {
    let end = word.index + word[0].length;
    while (end > word.index && DANGLING.test(text[end - 1]!)) end--;
    if (end === word.index) end = previous;
    if (end > previous) ends.push(end);
    previous = end;
  }
  return ends;
}

/**
 * The text, shortened to the platform's length limit if it is over: to the last whole sentence that
 * fits, when that keeps at least half of the room; otherwise to the last whole word that fits, with
 * "…" appended. Never cuts inside a word (a text whose first word does not fit becomes ""). Only
 * length is fitted: hashtag and link counts are left to `measure`.
 */
export function fitToLimit(platform: Platform, text: string, overrides?: LimitOverrides): string {
  const limits = limitsFor(platform, overrides);
  const fits = (t: string) => lengthProblems(platform, t, limits, countLength(platform, t, overrides)).length === 0;
  if (fits(text)) return text;

  const sentence = longestFitting(text, sentenceEnds(text), (prefix) => prefix, fits);
  if (sentence && countLength(platform, sentence, overrides) * 2 >= limits.maxLength) return sentence;
  return longestFitting(text, wordEnds(text), (prefix) => prefix + ELLIPSIS, fits) ?? sentence ?? "";
}
