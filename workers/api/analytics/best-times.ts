/**
 * The history best times are computed from: one account's posts of the last months, each with its
 * latest figures (publication_totals, one row per post through its account index).
 */
import { sql } from "drizzle-orm";
import type { PublishedPost } from "../../../lib/analytics/best-times";
import type { Db } from "../../../lib/db/client";
import type { WorkspaceAccess } from "../types";
import { allowAnalytics, Reader } from "./service";

/** How far back the heatmap looks: long enough for a sample, short enough to follow a changing audience. */
export const HISTORY_DAYS = 180;

export type AccountChoice = { id: string; handle: string; platform: string };

export async function accountHistory(
  db: Db,
  access: WorkspaceAccess,
  accountId: string | undefined,
  now = Date.now(),
): Promise<{ accounts: AccountChoice[]; account: AccountChoice | null; posts: PublishedPost[]; days: number; rowsRead: number }> {
  allowAnalytics(access);
  const ws = access.workspace.id;
  const reader = new Reader(db);
  const accounts = await reader.all<AccountChoice>(sql`SELECT id, handle, platform FROM social_accounts WHERE workspace_id = ${ws} ORDER BY handle`);
  const account = accountId ? (accounts.find((a) => a.id === accountId) ?? null) : (accounts[0] ?? null);
  if (!account) return { accounts, account: null, posts: [], days: HISTORY_DAYS, rowsRead: reader.rowsRead };
  const posts = await reader.all<PublishedPost>(
    sql`SELECT published_at AS publishedAt, impressions, engagements FROM publication_totals INDEXED BY publication_totals_account_idx
      WHERE workspace_id = ${ws} AND account_id = ${account.id} AND published_at >= ${now - HISTORY_DAYS * 86_400_000}`,
  );
  return { accounts, account, posts, days: HISTORY_DAYS, rowsRead: reader.rowsRead };
}
