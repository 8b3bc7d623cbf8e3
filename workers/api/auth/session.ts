/**
 * Sessions: a jose-signed JWT (HS256 pinned, 14-day expiry, key from SESSION_SECRET) in an HttpOnly,
 * Secure, SameSite=Lax cookie. The JWT names a row in `sessions`; logout and password change revoke
 * rows, so a stolen cookie stops working the moment its session is ended.
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { jwtVerify, SignJWT } from "jose";
import { config } from "../../../lib/config/env";
import { purposeKey } from "../../../lib/crypto/purpose-key";
import type { Db } from "../../../lib/db/client";
import { sessions, users } from "../../../lib/db/schema";
import { newId } from "../../../lib/ids";
import type { AppEnv, SignedIn } from "../types";

const COOKIE = "session";
const ISSUER = "content-engine";
const AUDIENCE = "session";
const LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;

/** One secret, a distinct key per purpose, so a token made for one use is useless for another. */
export const signingKey = (env: Env, purpose: string): Promise<CryptoKey> => purposeKey(config(env).SESSION_SECRET, purpose);

export async function startSession(c: Context<AppEnv>, userId: string): Promise<void> {
  const id = newId("ses");
  const expiresAt = new Date(Date.now() + LIFETIME_MS);
  await c.var.db.insert(sessions).values({ id, userId, expiresAt });
  const jwt = await new SignJWT({ sid: id })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(await signingKey(c.env, "session"));
  setCookie(c, COOKIE, jwt, {
    prefix: "host",
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    path: "/",
    expires: expiresAt,
  });
}

export async function readSession(c: Context<AppEnv>): Promise<SignedIn | null> {
  const jwt = getCookie(c, COOKIE, "host");
  if (!jwt) return null;
  let sid: unknown;
  try {
    const { payload } = await jwtVerify(jwt, await signingKey(c.env, "session"), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    sid = payload.sid;
  } catch {
    return null;
  }
  if (typeof sid !== "string") return null;
  const row = await c.var.db
    .select({ user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sid), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date())))
    .get();
  return row ? { user: row.user, sessionId: sid } : null;
}

export function endSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, COOKIE, { prefix: "host", path: "/", secure: true });
}

export function revokeSession(db: Db, sessionId: string) {
  return db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, sessionId));
}

export function revokeAllSessions(db: Db, userId: string) {
  return db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}
