// Starts the three Workers in `wrangler dev` on `port` with a throwaway state directory and random
// secrets, for browser tests and benchmarks; `stop()` kills it and deletes the state. ALLOW_LOOPBACK
// is on here (and nowhere by default) so the Workers can reach the platform fakes on this machine
// (scripts/fake-platforms.mjs).
// Passing `{ state, secret }` from an earlier server restarts on the same data (and keeps it).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WORKER_CONFIGS, root, writeSecondaryDevVars } from "./lib.mjs";
import { setUpLocalBrowser } from "./local-browser.mjs";

export async function startDevServer(port, reuse) {
  await setUpLocalBrowser();
  const baseUrl = `http://localhost:${port}`;
  const state = reuse?.state ?? mkdtempSync(join(tmpdir(), "content-engine-"));
  const secret = reuse?.secret ?? `${crypto.randomUUID()}-${crypto.randomUUID()}`;
  const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", state, "-c", "wrangler.toml"], {
    cwd: root,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

  const vars = `SESSION_SECRET=${secret}\nTOKEN_KEY=${secret}-tokens\nALLOW_LOOPBACK=1\n`;
  const envFile = join(state, "dev.vars");
  writeFileSync(envFile, vars);
  const restoreVars = writeSecondaryDevVars(vars);
  const server = spawn(
    "npx",
    ["wrangler", "dev", ...WORKER_CONFIGS.flatMap((c) => ["-c", c]), "--port", String(port), "--persist-to", state, "--env-file", envFile],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const output = { log: "" };
  server.stdout.on("data", (chunk) => (output.log += chunk));
  server.stderr.on("data", (chunk) => (output.log += chunk));
  const exited = new Promise((resolve) => server.on("exit", resolve));
  const stop = async ({ keepState = false } = {}) => {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {}
    await exited;
    restoreVars();
    if (!keepState) rmSync(state, { recursive: true, force: true });
  };

  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return { baseUrl, stop, output, state, secret };
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`wrangler dev did not become healthy within 90 s:\n${output.log}`);
}
