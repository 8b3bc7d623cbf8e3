/** Every area of the product, in navigation order, with the line the overview shows for it. */
export const AREAS = [
  { slug: "", label: "Overview", blurb: "" },
  { slug: "trends", label: "Trends", blurb: "Rising topics from your sources, ranked by velocity, with a sparkline each and a button to draft content from one." },
  { slug: "sources", label: "Sources", blurb: "Feeds, web pages, subreddits, Hacker News, YouTube channels and Google Trends, each on its own schedule, with its health." },
  { slug: "generate", label: "Generate", blurb: "AI generation jobs with their progress and cost, providers in a fallback chain, and brand voices." },
  { slug: "content", label: "Content", blurb: "Articles, newsletters and posts with per-platform variants, revisions, comments and the review queue." },
  { slug: "calendar", label: "Calendar", blurb: "Month and week views of everything scheduled and published, in the workspace's time zone; drag to reschedule." },
  { slug: "media", label: "Media", blurb: "Images and video stored in R2, with alt text, dimensions, and where each is used." },
  { slug: "accounts", label: "Accounts", blurb: "Connected social accounts and their health; Bluesky today, the other platforms as their connectors arrive." },
  { slug: "publishing", label: "Publishing", blurb: "The publishing queue per account, posting slots, rate-limit waits, and failed publications with a retry button." },
  { slug: "subscribers", label: "Subscribers", blurb: "Email subscribers with their consent records, lists, tags and segments; CSV import and export." },
  { slug: "newsletters", label: "Newsletters", blurb: "Newsletter issues built from content, test sends, and resumable sends with live progress." },
  { slug: "analytics", label: "Analytics", blurb: "Engagement over time per platform, top content, and the best times to post." },
  { slug: "inbox", label: "Inbox", blurb: "Comments and mentions the platforms sent through their webhooks." },
  { slug: "settings", label: "Settings", blurb: "" },
] as const;
