/**
 * Counts the statements a piece of work sends to D1, for its structured log line: D1 bills and
 * limits by queries, so "statements per run" is the figure to watch (and the ingest benchmark reads).
 * Every statement, batched or not, is prepared once, so counting prepare() counts what is sent.
 */
export function countingStatements(d1: D1Database): { db: D1Database; count: () => number } {
  let statements = 0;
  const db = new Proxy(d1, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === "prepare") {
        return (query: string) => {
          statements++;
          return target.prepare(query);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, count: () => statements };
}
