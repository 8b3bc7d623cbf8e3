/** Every area of the product, in navigation order. `ready: false` areas show an empty state. */
export const AREAS = [
  { slug: "", label: "Overview", ready: true, blurb: "" },
  { slug: "trends", label: "Trends", ready: true, blurb: "Rising topics from your sources, ranked by velocity, with a sparkline each and a button to draft content from one." },
  { slug: "sources", label: "Sources", ready: true, blurb: "Feeds, web pages, subreddits, Hacker News, YouTube channels and Google Trends, each on its own schedule, with its health." },
  { slug: "generate", label: "Generate", ready: true, blurb: "AI generation jobs with their progress and cost, providers in a fallback chain, and brand voices." },
  { slug: "content", label: "Content", ready: true, blurb: "Articles, newsletters and posts with per-platform variants, revisions, comments and the review queue." },
  { slug: "calendar", label: "Calendar", ready: true, blurb: "Month and week views of everything scheduled and published, in the workspace's time zone; drag to reschedule." },
  { slug: "media", label: "Media", ready: true, blurb: "Images and video stored in R2, with alt text, dimensions, and where each is used." },
  { slug: "accounts", label: "Accounts", ready: true, blurb: "Connected social accounts and their health; Bluesky today, the other platforms as their connectors arrive." },
  { slug: "publishing", label: "Publishing", ready: false, blurb: "The publishing queue per account, posting slots, rate-limit waits, and failed publications with a retry button." },
  { slug: "subscribers", label: "Subscribers", ready: true, blurb: "Email subscribers with their consent records, lists, tags and segments; CSV import and export." },
  { slug: "newsletters", label: "Newsletters", ready: true, blurb: "Newsletter issues built from content, test sends, and resumable sends with live progress." },
  { slug: "analytics", label: "Analytics", ready: true, blurb: "Engagement over time per platform, top content, and the best times to post." },
  { slug: "inbox", label: "Inbox", ready: true, blurb: "Comments and mentions the platforms sent through their webhooks." },
  { slug: "settings", label: "Settings", ready: true, blurb: "" },
] as const;
