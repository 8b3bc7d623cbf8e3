import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { fakeWeb } from "./test/fakes/web.ts";

// Tests run inside workerd against real local D1, R2, Queues and Durable Objects (isolated per test
// file). Each Worker is its own project, reading its own wrangler file, so its bindings and Durable
// Object classes are the real ones.
const migrations = await readD1Migrations("./migrations");
// The OAuth apps the fake platforms know (test/fakes: x.ts, linkedin.ts, meta.ts for Facebook,
// Instagram and Threads, youtube.ts, tiktok.ts), under the names the OAuth specs read.
const OAUTH_CLIENTS = {
  X_CLIENT_ID: "test-x-client-id",
  X_CLIENT_SECRET: "test-x-client-secret",
  LINKEDIN_CLIENT_ID: "test-linkedin-client-id",
  LINKEDIN_CLIENT_SECRET: "test-linkedin-client-secret",
  FACEBOOK_CLIENT_ID: "fake-meta-app-id",
  FACEBOOK_CLIENT_SECRET: "fake-meta-app-secret",
  THREADS_CLIENT_ID: "fake-threads-app-id",
  THREADS_CLIENT_SECRET: "fake-threads-app-secret",
  GOOGLE_CLIENT_ID: "fake-google-client.apps.googleusercontent.com",
  GOOGLE_CLIENT_SECRET: "fake-google-secret",
  TIKTOK_CLIENT_KEY: "fakeclientkey0001",
  TIKTOK_CLIENT_SECRET: "fake-tiktok-client-secret",
  // Webhooks in (workers/api/webhooks-in): the token we give Meta for its handshake, X's consumer secret.
  META_WEBHOOK_VERIFY_TOKEN: "test-meta-verify-token",
  X_CONSUMER_SECRET: "test-x-consumer-secret",
};

function worker(name: string, configPath: string, include: string[], exclude: string[] = [], globalSetup: string[] = []) {
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath },
        miniflare: {
          bindings: { TEST_MIGRATIONS: migrations, SESSION_SECRET: "test-secret-test-secret-test-secret-0123456789", TOKEN_KEY: "test-token-key-test-token-key-0123456789", ...OAUTH_CLIENTS },
          // Outbound requests reach a fake of the public web (test/fakes/web.ts), never the internet.
          outboundService: fakeWeb,
        },
      }),
    ],
    test: {
      name,
      include,
      exclude: ["test/browser/**", "node_modules/**", ...exclude],
      setupFiles: ["./test/apply-migrations.ts"],
      globalSetup,
      // sanitize-html is CommonJS with deep requires (postcss → source-map-js) that workerd's module
      // loader cannot resolve one by one; pre-bundling it (as wrangler's esbuild does for deploys) can.
      deps: { optimizer: { ssr: { enabled: true, include: ["sanitize-html"] } } },
    },
  };
}

const scraperTests = ["workers/scraper/**/*.test.ts", "durable-objects/domain-politeness.test.ts"];
// The publisher Worker's tests: the email queue consumer (sends, crash and resume, imports), the
// connectors and the scheduling of publications.
const publisherTests = ["test/email-send*.test.ts", "workers/publisher/**/*.test.ts", "durable-objects/account-scheduler.test.ts", "durable-objects/rate-limiter.test.ts"];

export default defineConfig({
  test: {
    // Every request writes an access log line: shown for failing tests only, so a full run stays
    // readable (the reporter reads this from the root config, not from the projects).
    silent: "passed-only",
    projects: [
      worker("api", "./wrangler.toml", ["{workers,lib,durable-objects,test}/**/*.test.{ts,tsx}"], [...scraperTests, ...publisherTests]),
      // The scraper's Browser Rendering tests need the local Chromium and a JavaScript-only site.
      worker("scraper", "./workers/scraper/wrangler.toml", scraperTests, [], ["./test/fakes/js-site.ts"]),
      worker("publisher", "./workers/publisher/wrangler.toml", publisherTests),
    ],
  },
});
