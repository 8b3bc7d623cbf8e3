import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests run inside workerd against real local D1, R2, Queues and Durable Objects (per test file,
// isolated). The api Worker is the primary Worker; its wrangler.toml declares every binding.
export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations("./migrations"),
          SESSION_SECRET: "test-secret-test-secret-test-secret-0123456789",
        },
      },
    })),
  ],
  test: {
    include: ["{workers,lib,durable-objects,test}/**/*.test.{ts,tsx}"],
    exclude: ["test/browser/**", "node_modules/**"],
    setupFiles: ["./test/apply-migrations.ts"],
    // sanitize-html is CommonJS with deep requires (postcss → source-map-js) that workerd's module
    // loader cannot resolve one by one; pre-bundling it (as wrangler's esbuild does for deploys) can.
    deps: { optimizer: { ssr: { enabled: true, include: ["sanitize-html"] } } },
  },
});
