/** The connector of each platform (one folder per platform); a platform without one cannot be published to yet. */
import type { Platform } from "../../../lib/domain/platforms";
import { bluesky } from "./bluesky";
import type { Connector } from "./types";

export const CONNECTORS: Partial<Record<Platform, Connector>> = { bluesky };
