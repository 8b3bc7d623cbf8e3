/**
 * A connected account as its connector needs it: where its API is and its credentials, unsealed;
 * credentials the connector refreshes are sealed again and stored. Null when the account is gone.
 */
import { and, eq } from "drizzle-orm";
import { tokenKey } from "../../lib/config/env";
import { seal, unseal } from "../../lib/crypto/sealed";
import type { Db } from "../../lib/db/client";
import { socialAccounts } from "../../lib/db/schema";
import type { Platform } from "../../lib/domain/platforms";
import type { AccountSession } from "./connectors/types";

/** Credentials are sealed with TOKEN_KEY for this purpose, bound to the account's row. */
export const credentialsSeal = (env: object, accountId: string) => ({ secret: tokenKey(env), purpose: "account-credentials", rowId: accountId });

export async function openAccountSession(env: Env, db: Db, accountId: string, workspaceId: string, timeoutMs?: number): Promise<{ platform: Platform; session: AccountSession } | null> {
  const account = await db.select().from(socialAccounts).where(and(eq(socialAccounts.id, accountId), eq(socialAccounts.workspaceId, workspaceId))).get();
  if (!account) return null;
  const sealing = credentialsSeal(env, account.id);
  const session: AccountSession = {
    serviceUrl: account.serviceUrl,
    externalId: account.externalId,
    handle: account.handle,
    credentials: JSON.parse(await unseal(sealing, account.credentials)) as Record<string, string>,
    timeoutMs,
    async saveCredentials(credentials, expiresAt) {
      await db
        .update(socialAccounts)
        .set({ credentials: await seal(sealing, JSON.stringify(credentials)), tokenExpiresAt: expiresAt, status: "connected", lastError: null })
        .where(and(eq(socialAccounts.id, account.id), eq(socialAccounts.workspaceId, workspaceId)));
    },
  };
  return { platform: account.platform as Platform, session };
}
