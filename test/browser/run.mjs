// Browser tests: starts all three Workers in `wrangler dev` on a spare port with a throwaway state
// directory, then runs every test/browser/*.test.mjs with node's test runner against it, driving a
// real Chromium (from @sparticuz/chromium, or CHROME_PATH) through playwright-core.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WORKER_CONFIGS, root } from "../../scripts/lib.mjs";

const port = process.env.BROWSER_TEST_PORT ?? "8797";
const baseUrl = `http://localhost:${port}`;
const state = mkdtempSync(join(tmpdir(), "content-engine-browser-"));
const secret = `browser-test-${crypto.randomUUID()}-${crypto.randomUUID()}`;

const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", state, "-c", "wrangler.toml"], {
  cwd: root,
  stdio: "inherit",
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const server = spawn(
  "npx",
  ["wrangler", "dev", ...WORKER_CONFIGS.flatMap((c) => ["-c", c]), "--port", port, "--persist-to", state, "--var", `SESSION_SECRET:${secret}`],
  { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true },
);
let log = "";
server.stdout.on("data", (chunk) => (log += chunk));
server.stderr.on("data", (chunk) => (log += chunk));

function stop() {
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {}
  rmSync(state, { recursive: true, force: true });
}

async function waitForHealth(deadline) {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/healthz`);
      if (response.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev did not become healthy within 90 s:\n${log}`);
}

let status = 1;
try {
  await waitForHealth(Date.now() + 90_000);
  const files = readdirSync(join(root, "test/browser"))
    .filter((f) => f.endsWith(".test.mjs"))
    .map((f) => join("test/browser", f));
  if (files.length === 0) throw new Error("no browser tests found in test/browser");
  const run = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, BASE_URL: baseUrl },
  });
  status = run.status ?? 1;
  if (status !== 0) console.error(`\n--- wrangler dev output ---\n${log.slice(-6000)}`);
} catch (err) {
  console.error(err);
} finally {
  stop();
}
process.exit(status);
