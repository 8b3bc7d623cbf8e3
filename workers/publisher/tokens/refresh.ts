/**
 * Keeping OAuth sign-ins alive, from the publisher's cron, so that a token about to die is renewed,
 * or the workspace told, before any post fails rather than after:
 *
 * - an access token is renewed through its platform's token endpoint (arctic's refreshAccessToken)
 *   once half its life has gone, and at the latest a day before it expires; the new tokens are
 *   sealed again. A platform without refresh tokens whose token renews itself (Threads, the spec's
 *   `renewAccessToken`) has it renewed a week before it dies, so it is never marked expiring;
 * - an account is marked `expiring` when its sign-in will die within 7 days (the refresh token's
 *   own expiry, or, without a refresh token, the access token's), and `expired` when the platform
 *   refuses to renew it (an OAuth error such as `invalid_grant`) or it has run out; the platform's
 *   words go in `lastError`;
 * - when an account becomes expiring or expired, the workspace's owners and admins and whoever
 *   connected it get an in-app notice (the same notifications as publishing failures).
 *
 * A platform that could not be reached is left as it was and tried again on the next run.
 */
import { ArcticFetchError, OAuth2RequestError, UnexpectedErrorResponseBodyError, UnexpectedResponseError } from "arctic";
import { and, eq, inArray, isNotNull, lt, ne, or, sql } from "drizzle-orm";
import { seal, unseal } from "../../../lib/crypto/sealed";
import { database, type Db } from "../../../lib/db/client";
import { log } from "../../../lib/log";
import { notifications, socialAccounts, type AccountState, type SocialAccount } from "../../../lib/db/schema";
import { PLATFORM_NAMES, type Platform } from "../../../lib/domain/platforms";
import { operatorClient, tokenClient, tokenCredentials, type InstanceApp, type OAuthTokens } from "../connectors/oauth";
import { OAUTH_SPECS } from "../connectors/oauth-specs";
import { PlatformError } from "../connectors/types";
import { credentialsSeal } from "../publish";

const HOUR = 3600_000;
/** Renew an access token at the latest this long before it expires. */
export const REFRESH_AHEAD_MS = 24 * HOUR;
/** A sign-in dying within this long is `expiring`: the person has a week to reconnect. */
export const EXPIRING_WITHIN_MS = 7 * 24 * HOUR;
/** Accounts looked at per run; the rest wait for the next minute. */
const BATCH = 100;

export type RefreshReport = { refreshed: number; expiring: number; expired: number; failed: number };

/** The accounts that need a look now: a token past half its life (within a day of expiry), or a sign-in running out. */
function due(db: Db, now: number) {
  const platforms = Object.keys(OAUTH_SPECS);
  const ahead = new Date(now + REFRESH_AHEAD_MS);
  const renew = and(
    isNotNull(socialAccounts.accessExpiresAt),
    lt(socialAccounts.accessExpiresAt, ahead),
    sql`(${socialAccounts.accessIssuedAt} IS NULL OR ${socialAccounts.accessExpiresAt} - ${now} < (${socialAccounts.accessExpiresAt} - ${socialAccounts.accessIssuedAt}) / 2)`,
  );
  const runningOut = and(
    isNotNull(socialAccounts.tokenExpiresAt),
    or(and(eq(socialAccounts.status, "connected"), lt(socialAccounts.tokenExpiresAt, new Date(now + EXPIRING_WITHIN_MS))), lt(socialAccounts.tokenExpiresAt, new Date(now))),
  );
  return db
    .select()
    .from(socialAccounts)
    .where(and(inArray(socialAccounts.platform, platforms), ne(socialAccounts.status, "expired"), or(renew, runningOut)))
    .orderBy(socialAccounts.accessExpiresAt)
    .limit(BATCH)
    .all();
}

export async function refreshTokens(env: Env, now = Date.now()): Promise<RefreshReport> {
  const db = database(env.DB);
  const report: RefreshReport = { refreshed: 0, expiring: 0, expired: 0, failed: 0 };
  for (const account of await due(db, now)) {
    try {
      const outcome = await refreshAccount(env, db, account, now);
      if (outcome) report[outcome]++;
    } catch (err) {
      report.failed++;
      log.error("token_refresh_failed", { accountId: account.id, platform: account.platform, error: err });
    }
  }
  return report;
}

const dateText = (at: Date) => at.toISOString().slice(0, 16).replace("T", " ") + " UTC";

async function refreshAccount(env: Env, db: Db, account: SocialAccount, now: number): Promise<keyof RefreshReport | null> {
  const platform = account.platform as Platform;
  const spec = OAUTH_SPECS[platform]!;
  const name = PLATFORM_NAMES[platform];
  const sealing = credentialsSeal(env, account.id);
  const credentials = JSON.parse(await unseal(sealing, account.credentials)) as Record<string, string>;
  const accessAt = account.accessExpiresAt?.getTime() ?? null;
  const renew = accessAt !== null && accessAt < now + REFRESH_AHEAD_MS;
  // A token that renews itself (Threads: no refresh token) is renewed once it would otherwise be
  // marked expiring, a week ahead: the sign-in then never runs out, and a refusal still leaves time.
  const selfRenew = !credentials.refreshToken && spec.renewAccessToken !== undefined && accessAt !== null && accessAt < now + EXPIRING_WITHIN_MS;

  let tokens: OAuthTokens;
  if (renew && credentials.refreshToken) {
    const app: InstanceApp | null = credentials.clientId && credentials.clientSecret ? { clientId: credentials.clientId, clientSecret: credentials.clientSecret } : operatorClient(env, spec);
    if (!app) return mark(db, account, "expiring", `${name}'s sign-in cannot be renewed: ${spec.clientIdVar} and ${spec.clientSecretVar} are not set on the publisher`, now);
    try {
      tokens = await tokenClient(spec, app, null, account.serviceUrl).refresh(credentials.refreshToken);
    } catch (err) {
      if (err instanceof OAuth2RequestError) return mark(db, account, "expired", `${name} refused to renew the sign-in: ${[err.code, err.description].filter(Boolean).join(": ")}`, now);
      if ((err instanceof UnexpectedResponseError || err instanceof UnexpectedErrorResponseBodyError) && (err.status === 400 || err.status === 401)) {
        return mark(db, account, "expired", `${name} refused to renew the sign-in (HTTP ${err.status})`, now);
      }
      if (err instanceof ArcticFetchError || err instanceof UnexpectedResponseError || err instanceof UnexpectedErrorResponseBodyError) return unavailable(account, err);
      throw err;
    }
  } else if (selfRenew && credentials.accessToken) {
    try {
      tokens = await spec.renewAccessToken!(credentials.accessToken);
    } catch (err) {
      // The connectors' errors: a refusal (the token was revoked or has died) ends the sign-in.
      if (err instanceof PlatformError && (err.kind === "auth" || err.kind === "rejected")) return mark(db, account, "expired", err.message, now);
      if (err instanceof PlatformError) return unavailable(account, err);
      throw err;
    }
  } else {
    // No way to renew: the sign-in lives until its token dies.
    const end = account.tokenExpiresAt ?? account.accessExpiresAt;
    if (!end) return null;
    if (end.getTime() <= now) return mark(db, account, "expired", `${name}'s sign-in expired ${dateText(end)}: reconnect the account`, now);
    if (end.getTime() < now + EXPIRING_WITHIN_MS) return mark(db, account, "expiring", `${name}'s sign-in expires ${dateText(end)} and cannot be renewed without you: reconnect the account`, now);
    return null;
  }

  // What the platform did not send again stays (LinkedIn keeps the refresh token; X rotates it).
  const next: Record<string, string> = { ...credentials, ...tokenCredentials(tokens) };
  if (!tokens.accessTokenExpiresAt) delete next.accessTokenExpiresAt;
  // The sign-in ends with the refresh token; a token that renews itself is its own end, until the next renewal.
  const endText = next.refreshToken ? next.refreshTokenExpiresAt : next.accessTokenExpiresAt;
  const end = endText ? new Date(endText) : null;
  const dying = end !== null && end.getTime() < now + EXPIRING_WITHIN_MS;
  const status: AccountState = dying ? "expiring" : "connected";
  const lastError = dying ? `${name}'s sign-in can be renewed only until ${dateText(end)}: reconnect the account` : null;
  await db
    .update(socialAccounts)
    .set({ credentials: await seal(sealing, JSON.stringify(next)), accessExpiresAt: tokens.accessTokenExpiresAt, accessIssuedAt: new Date(now), tokenExpiresAt: end, status, lastError })
    .where(eq(socialAccounts.id, account.id));
  if (dying && account.status !== "expiring") await notify(db, account, "expiring", lastError!, now);
  return dying ? "expiring" : "refreshed";
}

/** The platform is down or unreachable: nothing is known about the sign-in; the next run tries again. */
function unavailable(account: SocialAccount, err: unknown): "failed" {
  log.warn("token_refresh_unavailable", { accountId: account.id, platform: account.platform, error: err });
  return "failed";
}

/** Records the account's new state and, when it changed, tells the people who can reconnect it. */
async function mark(db: Db, account: SocialAccount, status: "expiring" | "expired", message: string, now: number): Promise<"expiring" | "expired"> {
  await db.update(socialAccounts).set({ status, lastError: message }).where(eq(socialAccounts.id, account.id));
  if (account.status !== status) await notify(db, account, status, message, now);
  return status;
}

async function notify(db: Db, account: SocialAccount, status: "expiring" | "expired", message: string, now: number): Promise<void> {
  const people = sql`SELECT user_id FROM memberships WHERE workspace_id = ${account.workspaceId} AND role IN ('owner', 'admin')
    UNION SELECT m.user_id FROM memberships m WHERE m.workspace_id = ${account.workspaceId} AND m.user_id = ${account.connectedBy}`;
  const text = `${PLATFORM_NAMES[account.platform as Platform] ?? account.platform} account ${account.handle} ${status === "expired" ? "needs reconnecting" : "needs reconnecting soon"}: ${message}`;
  await db.insert(notifications).select(sql`SELECT NULL, ${account.workspaceId}, r.user_id, ${`account_${status}`}, NULL, NULL, ${text}, NULL, ${now} FROM (${people}) AS r`);
}
