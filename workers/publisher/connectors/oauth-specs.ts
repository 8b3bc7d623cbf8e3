/**
 * The OAuth 2.0 platforms, each with the spec its own folder exports (`<platform>/oauth.ts`). A
 * platform missing here connects some other way (Bluesky with an app password) or not yet.
 */
import type { Platform } from "../../../lib/domain/platforms";
import { facebookOAuth } from "./facebook/oauth";
import { instagramOAuth } from "./instagram/oauth";
import { linkedInOAuth } from "./linkedin/oauth";
import { mastodonOAuth } from "./mastodon/oauth";
import type { OAuthSpec } from "./oauth";
import { threadsOAuth } from "./threads/oauth";
import { tiktokOAuth } from "./tiktok/oauth";
import { xOAuth } from "./x/oauth";
import { youtubeOAuth } from "./youtube/oauth";

export const OAUTH_SPECS: Partial<Record<Platform, OAuthSpec>> = { x: xOAuth, facebook: facebookOAuth, instagram: instagramOAuth, threads: threadsOAuth, mastodon: mastodonOAuth, linkedin: linkedInOAuth, youtube: youtubeOAuth, tiktok: tiktokOAuth };
