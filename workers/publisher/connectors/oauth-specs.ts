/**
 * The OAuth 2.0 platforms, each with the spec its own folder exports (`<platform>/oauth.ts`). A
 * platform missing here connects some other way (Bluesky with an app password) or not yet.
 */
import type { Platform } from "../../../lib/domain/platforms";
import type { OAuthSpec } from "./oauth";

export const OAUTH_SPECS: Partial<Record<Platform, OAuthSpec>> = {};
