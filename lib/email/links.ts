/**
 * Signed links in email (jose, HS256 pinned, one key per purpose derived from SESSION_SECRET, so a
 * token made for one use is useless for another):
 * - confirm: double opt-in, expires after CONFIRM_LIFETIME_S;
 * - manage: unsubscribe and preferences; no expiry, because an unsubscribe link must keep working
 *   for as long as the message sits in someone's inbox;
 * - click and open: tracking redirects and the pixel, naming the delivery.
 */
import { jwtVerify, SignJWT } from "jose";
import { purposeKey } from "../crypto/purpose-key";

export const CONFIRM_LIFETIME_S = 48 * 60 * 60;
const ISSUER = "content-engine";

type Purpose = "email-confirm" | "email-manage" | "email-click" | "email-open";

const keyFor = (secret: string, purpose: Purpose) => purposeKey(secret, purpose);

async function sign(secret: string, purpose: Purpose, claims: Record<string, string>, lifetimeSeconds?: number): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer(ISSUER).setAudience(purpose);
  if (lifetimeSeconds) jwt.setIssuedAt().setExpirationTime(`${lifetimeSeconds}s`);
  return jwt.sign(await keyFor(secret, purpose));
}

async function verify(secret: string, purpose: Purpose, token: string): Promise<Record<string, unknown> | null> {
  try {
    const { payload } = await jwtVerify(token, await keyFor(secret, purpose), { algorithms: ["HS256"], issuer: ISSUER, audience: purpose });
    return payload as Record<string, unknown>;
  } catch {
    return null;
  }
}

const str = (v: unknown) => (typeof v === "string" ? v : null);

export type ManageClaims = { subscriberId: string; workspaceId: string; sendId: string | null };

export const confirmToken = (secret: string, subscriberId: string, listId: string) => sign(secret, "email-confirm", { s: subscriberId, l: listId }, CONFIRM_LIFETIME_S);

export async function readConfirmToken(secret: string, token: string): Promise<{ subscriberId: string; listId: string } | null> {
  const p = await verify(secret, "email-confirm", token);
  const subscriberId = str(p?.s);
  const listId = str(p?.l);
  return subscriberId && listId ? { subscriberId, listId } : null;
}

export const manageToken = (secret: string, claims: ManageClaims) =>
  sign(secret, "email-manage", { s: claims.subscriberId, w: claims.workspaceId, ...(claims.sendId ? { d: claims.sendId } : {}) });

export async function readManageToken(secret: string, token: string): Promise<ManageClaims | null> {
  const p = await verify(secret, "email-manage", token);
  const subscriberId = str(p?.s);
  const workspaceId = str(p?.w);
  return subscriberId && workspaceId ? { subscriberId, workspaceId, sendId: str(p?.d) } : null;
}

export const clickToken = (secret: string, deliveryId: string, url: string) => sign(secret, "email-click", { d: deliveryId, u: url });

export async function readClickToken(secret: string, token: string): Promise<{ deliveryId: string; url: string } | null> {
  const p = await verify(secret, "email-click", token);
  const deliveryId = str(p?.d);
  const url = str(p?.u);
  return deliveryId && url ? { deliveryId, url } : null;
}

export const openToken = (secret: string, deliveryId: string) => sign(secret, "email-open", { d: deliveryId });

export async function readOpenToken(secret: string, token: string): Promise<string | null> {
  return str((await verify(secret, "email-open", token))?.d);
}

/** The public routes these tokens are used on (workers/api/public). */
export const publicPaths = {
  confirm: (token: string) => `/email/confirm/${token}`,
  unsubscribe: (token: string) => `/email/unsubscribe/${token}`,
  preferences: (token: string) => `/email/preferences/${token}`,
  click: (token: string) => `/email/c/${token}`,
  open: (token: string) => `/email/o/${token}`,
  subscribe: (listId: string) => `/email/subscribe/${listId}`,
};
