/**
 * The D1 schema, one file per area. Every table that belongs to a workspace carries `workspace_id`,
 * and every query on it filters by that column. Times are UTC instants in integer milliseconds.
 */
export * from "./accounts";
export * from "./content";
export * from "./listening";
export * from "./generation";
export * from "./email";
export * from "./publishing";
export * from "./slots";
export * from "./metrics";
export * from "./analytics";
export * from "./inbound";
export * from "./webhooks-out";
