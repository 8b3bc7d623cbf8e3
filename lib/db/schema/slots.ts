/**
 * Posting slots: the weekly times an account posts at when content is "added to the queue", as a
 * weekday and a wall-clock time in the workspace's zone (so 09:00 stays 09:00 across DST changes).
 */
import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { workspaces } from "./accounts";
import { createdAt } from "./columns";
import { socialAccounts } from "./publishing";

export const postingSlots = sqliteTable(
  "posting_slots",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    accountId: text("account_id")
      .notNull()
      .references(() => socialAccounts.id, { onDelete: "cascade" }),
    /** ISO weekday: 1 is Monday, 7 is Sunday. */
    weekday: integer("weekday").notNull(),
    /** "HH:MM", 24-hour, in the workspace's zone. */
    time: text("time").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("posting_slots_account_idx").on(t.accountId, t.weekday, t.time)],
);

export type PostingSlot = typeof postingSlots.$inferSelect;
