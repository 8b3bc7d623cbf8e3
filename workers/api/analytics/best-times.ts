/**
 * The history best times are computed from: one account's posts of the last months, each with its
 * latest figures (publication_totals, one row per post through its account index).
 */
import { and, asc, eq, gte } from "drizzle-orm";
import type { PublishedPost } from "../../../lib/analytics/best-times";
import type { Db } from "../../../lib/db/client";
import { publicationTotals, socialAccounts } from "../../../lib/db/schema";
import type { WorkspaceAccess } from "../types";
import { allowAnalytics } from "./service";

/** How far back the heatmap looks: long enough for a sample, short enough to follow a changing audience. */
export const HISTORY_DAYS = 180;

export type AccountChoice = { id: string; handle: string; platform: string };

export async function accountHistory(
  db: Db,
  access: WorkspaceAccess,
  accountId: string | undefined,
  now = Date.now(),
): Promise<{ accounts: AccountChoice[]; account: AccountChoice | null; posts: PublishedPost[]; days: number }> {
  allowAnalytics(access);
  const ws = access.workspace.id;
  const accounts = await db
    .select({ id: socialAccounts.id, handle: socialAccounts.handle, platform: socialAccounts.platform })
    .from(socialAccounts)
    .where(eq(socialAccounts.workspaceId, ws))
    .orderBy(asc(socialAccounts.handle))
    .all();
  const account = accountId ? (accounts.find((a) => a.id === accountId) ?? null) : (accounts[0] ?? null);
  if (!account) return { accounts, account: null, posts: [], days: HISTORY_DAYS };
  const rows = await db
    .select({ publishedAt: publicationTotals.publishedAt, impressions: publicationTotals.impressions, engagements: publicationTotals.engagements })
    .from(publicationTotals)
    .where(and(eq(publicationTotals.workspaceId, ws), eq(publicationTotals.accountId, account.id), gte(publicationTotals.publishedAt, new Date(now - HISTORY_DAYS * 86_400_000))))
    .all();
  return { accounts, account, posts: rows.map((r) => ({ publishedAt: r.publishedAt.getTime(), impressions: r.impressions, engagements: r.engagements })), days: HISTORY_DAYS };
}
