// Browser tests: starts all three Workers in `wrangler dev` on a spare port with a throwaway state
// directory, then runs every test/browser/*.test.mjs with node's test runner against it, driving a
// real Chromium (from @sparticuz/chromium, or CHROME_PATH) through playwright-core.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { startDevServer } from "../../scripts/dev-server.mjs";
import { root } from "../../scripts/lib.mjs";

// `node test/browser/run.mjs publish email` runs only the files whose names contain those words.
const only = process.argv.slice(2);
const files = readdirSync(join(root, "test/browser"))
  .filter((f) => f.endsWith(".test.mjs") && (only.length === 0 || only.some((word) => f.includes(word))))
  .map((f) => join("test/browser", f));
if (files.length === 0) {
  console.error("no browser tests found in test/browser");
  process.exit(1);
}

const server = await startDevServer(process.env.BROWSER_TEST_PORT ?? 8797);
let status = 1;
try {
  const run = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, BASE_URL: server.baseUrl, STATE_DIR: server.state },
  });
  status = run.status ?? 1;
  if (status !== 0) console.error(`\n--- wrangler dev output ---\n${server.output.log.slice(-6000)}`);
} finally {
  await server.stop();
}
process.exit(status);
