/**
 * Email figures per workspace and UTC day (email_daily), counted as they happen, each in the batch
 * that records the event, so the analytics page reads one row a day instead of the deliveries:
 * - delivered: deliveries the provider accepted (a send's batch completing);
 * - opened / clicked: a delivery's first open or first click (unique, like its opened_at/clicked_at);
 * - unsubscribed / bounced: a recipient leaving by the unsubscribe link, the preferences page or the
 *   provider's report, and hard bounces. An admin unsubscribing someone is not the email's doing and
 *   is not counted.
 * Each statement counts only a real change (a delivery still `sending`, an open not yet recorded, a
 * subscriber not yet in that status), so it must run *before* the statement that makes the change.
 */
import { sql, type SQL } from "drizzle-orm";
import { dayOf } from "./rollup";

const upsert = (column: "delivered" | "opened" | "clicked" | "unsubscribed" | "bounced", select: SQL): SQL =>
  sql`INSERT INTO email_daily (workspace_id, day, ${sql.raw(column)}) ${select}
    ON CONFLICT (workspace_id, day) DO UPDATE SET ${sql.raw(column)} = ${sql.raw(column)} + excluded.${sql.raw(column)}`;

/** The accepted deliveries of a batch (ids as the JSON list the completion uses), before they are marked sent. */
export function countDelivered(workspaceId: string, batchKey: string, acceptedIds: string[], at: number): SQL {
  return upsert(
    "delivered",
    sql`SELECT ${workspaceId}, ${dayOf(at)}, count(*) FROM email_deliveries
      WHERE batch_key = ${batchKey} AND status = 'sending' AND id IN (SELECT value FROM json_each(${JSON.stringify(acceptedIds)}))
      HAVING count(*) > 0`,
  );
}

/** A delivery's first open or click, before opened_at / clicked_at is set. */
export function countEngagement(deliveryId: string, kind: "opened" | "clicked", at: number, workspaceId?: string): SQL {
  const column = sql.raw(kind === "opened" ? "opened_at" : "clicked_at");
  return upsert(
    kind,
    sql`SELECT workspace_id, ${dayOf(at)}, 1 FROM email_deliveries WHERE id = ${deliveryId} AND ${column} IS NULL
      ${workspaceId ? sql`AND workspace_id = ${workspaceId}` : sql``}`,
  );
}

/** A subscriber leaving (or bouncing), before their status changes. */
export function countLeaving(subscriberId: string, workspaceId: string, status: "unsubscribed" | "bounced", at: number): SQL {
  return upsert(
    status,
    sql`SELECT workspace_id, ${dayOf(at)}, 1 FROM subscribers WHERE id = ${subscriberId} AND workspace_id = ${workspaceId} AND status <> ${status}`,
  );
}
