/**
 * Connected social accounts. Credentials are sealed with TOKEN_KEY before they touch D1 and are
 * never returned by any route; only the publisher opens them. Bluesky connects with an app password
 * (its session is opened here once, then reused and refreshed by the publisher).
 */
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { seal } from "../../../lib/crypto/sealed";
import type { Db } from "../../../lib/db/client";
import { publications, socialAccounts, type SocialAccount } from "../../../lib/db/schema";
import { can, type Permission } from "../../../lib/domain/roles";
import { AppError, forbidden, notFound } from "../../../lib/http/errors";
import { allowsLoopback } from "../../../lib/http/loopback";
import { assertFetchable, FetchRefused, isLoopbackHost } from "../../../lib/http/safe-fetch";
import { auditEntry } from "../../../lib/audit";
import { newId } from "../../../lib/ids";
import { createSession, DEFAULT_PDS, sessionExpiry } from "../../publisher/connectors/bluesky";
import { PlatformError } from "../../publisher/connectors/types";
import { credentialsSeal } from "../../publisher/publish";
import type { WorkspaceAccess } from "../types";

/** What routes show of an account: never its credentials. */
export type AccountView = Omit<SocialAccount, "credentials">;
const view = ({ credentials: _sealed, ...rest }: SocialAccount): AccountView => rest;

function allow(access: WorkspaceAccess, permission: Permission) {
  if (!can(access.role, permission)) throw forbidden();
}

export async function listAccounts(db: Db, access: WorkspaceAccess): Promise<AccountView[]> {
  allow(access, "accounts.view");
  return (await db.select().from(socialAccounts).where(eq(socialAccounts.workspaceId, access.workspace.id)).orderBy(socialAccounts.platform, socialAccounts.handle).all()).map(view);
}

export const blueskyInput = z.object({
  handle: z
    .string({ error: "is required" })
    .trim()
    .transform((h) => h.replace(/^@/, "").toLowerCase())
    .pipe(z.string().regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/, "must be a Bluesky handle, for example name.bsky.social")),
  appPassword: z.string({ error: "is required" }).trim().min(1, "is required").max(100, "is too long"),
  serviceUrl: z
    .string()
    .trim()
    .optional()
    .transform((u) => (u ? u.replace(/\/+$/, "") : DEFAULT_PDS))
    .pipe(z.url({ protocol: /^https?$/, error: "must be an https URL, for example https://bsky.social" })),
});
export type BlueskyInput = z.infer<typeof blueskyInput>;

/**
 * Opens a Bluesky session with the app password and stores the account. The PDS address is the
 * user's to choose, so it passes the same private-address check as any fetched URL.
 */
export async function connectBluesky(env: Env, db: Db, access: WorkspaceAccess, input: BlueskyInput): Promise<AccountView> {
  allow(access, "accounts.manage");
  const allowLoopback = allowsLoopback(env);
  // Plain http only for a fake PDS on this machine (tests, the demo): app passwords travel in it.
  if (new URL(input.serviceUrl).protocol === "http:" && !(allowLoopback && isLoopbackHost(new URL(input.serviceUrl).hostname))) {
    throw new AppError(422, "invalid_request", "serviceUrl: must be an https URL, for example https://bsky.social", { serviceUrl: "must be an https URL" });
  }
  try {
    await assertFetchable(input.serviceUrl, { allowLoopback });
  } catch (err) {
    if (err instanceof FetchRefused) throw new AppError(422, "invalid_request", `serviceUrl: ${err.message}`, { serviceUrl: err.message });
    throw err;
  }
  let session;
  try {
    session = await createSession(input.serviceUrl, input.handle, input.appPassword);
  } catch (err) {
    if (err instanceof PlatformError) throw new AppError(422, "platform_refused", err.message, { appPassword: err.message });
    throw err;
  }
  const existing = await db
    .select({ id: socialAccounts.id })
    .from(socialAccounts)
    .where(and(eq(socialAccounts.workspaceId, access.workspace.id), eq(socialAccounts.platform, "bluesky"), eq(socialAccounts.externalId, session.did)))
    .get();
  const id = existing?.id ?? newId("acc");
  const credentials = await seal(credentialsSeal(env, id), JSON.stringify({ accessJwt: session.accessJwt, refreshJwt: session.refreshJwt, appPassword: input.appPassword }));
  const values = { handle: session.handle, serviceUrl: input.serviceUrl, credentials, tokenExpiresAt: sessionExpiry(session), status: "connected" as const, lastError: null };
  const [rows] = await db.batch([
    db
      .insert(socialAccounts)
      .values({ id, workspaceId: access.workspace.id, platform: "bluesky", externalId: session.did, displayName: session.handle, connectedBy: access.actor.userId, ...values })
      .onConflictDoUpdate({ target: socialAccounts.id, set: values })
      .returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: existing ? "account.reconnected" : "account.connected", targetType: "account", targetId: id, detail: { platform: "bluesky", handle: session.handle } }),
  ]);
  return view(rows[0]!);
}

/** Refused while publications are waiting for the account: they would be lost without a word. */
export async function disconnectAccount(db: Db, access: WorkspaceAccess, accountId: string): Promise<void> {
  allow(access, "accounts.manage");
  const account = await db.select().from(socialAccounts).where(and(eq(socialAccounts.id, accountId), eq(socialAccounts.workspaceId, access.workspace.id))).get();
  if (!account) throw notFound("Account not found");
  const waiting = await db
    .select({ id: publications.id })
    .from(publications)
    .where(and(eq(publications.accountId, accountId), inArray(publications.status, ["scheduled", "waiting", "publishing", "unknown"])))
    .limit(1)
    .get();
  if (waiting) throw new AppError(409, "account_in_use", `Publications are still scheduled on ${account.handle}: unschedule them first.`);
  await db.batch([
    db.delete(socialAccounts).where(and(eq(socialAccounts.id, accountId), eq(socialAccounts.workspaceId, access.workspace.id))),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "account.disconnected", targetType: "account", targetId: accountId, detail: { platform: account.platform, handle: account.handle } }),
  ]);
}
