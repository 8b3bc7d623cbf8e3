/**
 * Links to one media file that a platform fetches itself (Instagram and Threads take images and
 * videos only by URL, TikTok photos too): a jose-signed token (HS256 pinned, a key of its own
 * derived from SESSION_SECRET) naming the file and its workspace, valid for an hour. The api Worker
 * serves the file to whoever holds an unexpired link (workers/api/media/public.ts); the publisher
 * mints one per file per attempt, from PUBLIC_BASE_URL, the api Worker's public origin.
 */
import { jwtVerify, SignJWT } from "jose";
import { purposeKey } from "../crypto/purpose-key";

const PURPOSE = "media-public";
const ISSUER = "content-engine";
export const PUBLIC_MEDIA_LIFETIME_S = 60 * 60;

export async function publicMediaUrl(secret: string, baseUrl: string, file: { mediaId: string; workspaceId: string }, lifetimeSeconds = PUBLIC_MEDIA_LIFETIME_S): Promise<string> {
  const token = await new SignJWT({ mid: file.mediaId, ws: file.workspaceId })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setAudience(PURPOSE)
    .setIssuedAt()
    .setExpirationTime(`${lifetimeSeconds}s`)
    .sign(await purposeKey(secret, PURPOSE));
  return `${baseUrl.replace(/\/+$/, "")}/media/public/${token}`;
}

/** The file a link names, or null when it is forged, altered, made for something else or expired. */
export async function readPublicMediaToken(secret: string, token: string): Promise<{ mediaId: string; workspaceId: string } | null> {
  try {
    const { payload } = await jwtVerify(token, await purposeKey(secret, PURPOSE), { algorithms: ["HS256"], issuer: ISSUER, audience: PURPOSE });
    return typeof payload.mid === "string" && typeof payload.ws === "string" ? { mediaId: payload.mid, workspaceId: payload.ws } : null;
  } catch {
    return null;
  }
}
