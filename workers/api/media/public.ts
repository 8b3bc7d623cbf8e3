/**
 * GET /media/public/<token>: one media file for whoever holds an unexpired signed link
 * (lib/media/public-url.ts), without a session, because the platform fetching it (Instagram,
 * Threads, TikTok) has none. Anything wrong with the link is a plain 404, saying nothing of why.
 */
import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { config } from "../../../lib/config/env";
import { database } from "../../../lib/db/client";
import { media } from "../../../lib/db/schema";
import { readPublicMediaToken } from "../../../lib/media/public-url";
import type { AppEnv } from "../types";
import { serveFile } from "./files";

export const publicMediaRoutes = new Hono<AppEnv>();

publicMediaRoutes.get("/media/public/:token", async (c) => {
  const file = await readPublicMediaToken(config(c.env).SESSION_SECRET, c.req.param("token"));
  if (!file) return c.text("Not found", 404);
  const item = await database(c.env.DB).select().from(media).where(and(eq(media.id, file.mediaId), eq(media.workspaceId, file.workspaceId))).get();
  if (!item) return c.text("Not found", 404);
  return serveFile(c, item);
});
