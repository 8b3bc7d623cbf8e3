/** The connector of each platform (one folder per platform); a platform without one cannot be published to yet. */
import type { Platform } from "../../../lib/domain/platforms";
import { bluesky } from "./bluesky";
import { facebook } from "./facebook";
import { instagram } from "./instagram";
import { linkedin } from "./linkedin";
import { mastodon } from "./mastodon";
import { threads } from "./threads";
import { tiktok } from "./tiktok";
import type { Connector } from "./types";
import { x } from "./x";
import { youtube } from "./youtube";

export const CONNECTORS: Partial<Record<Platform, Connector>> = { bluesky, x, facebook, instagram, threads, mastodon, linkedin, youtube, tiktok };
