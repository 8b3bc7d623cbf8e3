/**
 * One D1 batch (a transaction) of drizzle query builders and raw `sql` statements alike. drizzle's
 * own `db.batch()` cannot run raw statements that carry parameters, and the email code needs them
 * for its `json_each` bulk statements, so both kinds are turned into D1 statements here.
 */
import { is, SQL } from "drizzle-orm";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";

const dialect = new SQLiteSyncDialect();

export type Statement = SQL | { toSQL(): { sql: string; params: unknown[] } };

export function runBatch(db: Db, statements: Statement[]): Promise<D1Result[]> {
  const d1 = db.$client;
  return d1.batch(
    statements.map((s) => {
      const query = is(s, SQL) ? dialect.sqlToQuery(s) : s.toSQL();
      return d1.prepare(query.sql).bind(...query.params);
    }),
  );
}
