import { defineConfig } from "drizzle-kit";

// SQL migrations are generated from lib/db/schema.ts and applied by wrangler (locally and remotely)
// and by the vitest setup file.
export default defineConfig({
  dialect: "sqlite",
  schema: "./lib/db/schema/index.ts",
  out: "./migrations",
});
