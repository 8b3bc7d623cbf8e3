/**
 * Trends of a workspace, computed on read from the items its sources found in the last 48 hours
 * (lib/trends/topics.ts), and the hand-off of a topic to the studio as a draft.
 */
import { and, desc, eq, gte } from "drizzle-orm";
import type { Db } from "../../../lib/db/client";
import { sourceItems } from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { AppError, forbidden } from "../../../lib/http/errors";
import { rankTopics, WINDOW_HOURS, type Topic } from "../../../lib/trends/topics";
import { createContent, type ContentView } from "../content/service";
import type { WorkspaceAccess } from "../types";

const MAX_ITEMS = 5000;

export async function workspaceTrends(db: Db, access: WorkspaceAccess, now = Date.now()): Promise<Topic[]> {
  if (!can(access.role, "sources.view")) throw forbidden();
  const rows = await db
    .select({ id: sourceItems.id, title: sourceItems.title, sourceId: sourceItems.sourceId, url: sourceItems.url, publishedAt: sourceItems.publishedAt, createdAt: sourceItems.createdAt })
    .from(sourceItems)
    .where(and(eq(sourceItems.workspaceId, access.workspace.id), gte(sourceItems.createdAt, new Date(now - WINDOW_HOURS * 3_600_000))))
    .orderBy(desc(sourceItems.createdAt))
    .limit(MAX_ITEMS)
    .all();
  // An item counts when it was published, or when it was found if the source gave no date.
  return rankTopics(
    rows.map((r) => ({ id: r.id, title: r.title, sourceId: r.sourceId, url: r.url, at: Math.min(r.publishedAt?.getTime() ?? r.createdAt.getTime(), r.createdAt.getTime()) })),
    now,
  );
}

/** A draft article about the topic, listing its items, for a writer (or generation) to take on. */
export async function draftFromTopic(db: Db, access: WorkspaceAccess, term: string): Promise<ContentView> {
  const topic = (await workspaceTrends(db, access)).find((t) => t.term === term);
  if (!topic) throw new AppError(404, "not_found", `No current trend “${term}”: it may have cooled down. Reload the trends.`);
  const body = [`Sources on “${term}” (${topic.mentions} mentions from ${topic.sources} sources):`, "", ...topic.items.slice(0, 20).map((i) => `- [${i.title.replace(/[[\]]/g, "")}](${i.url})`)].join("\n");
  return createContent(db, access, { kind: "article", title: `Draft: ${term}`, body, tags: [term.slice(0, 40)], campaignId: null, brandVoice: null, variants: [] });
}
