// Starts the three Workers in `wrangler dev` on `port` with a throwaway state directory and a
// random SESSION_SECRET, for browser tests and benchmarks; `stop()` kills it and deletes the state.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WORKER_CONFIGS, root } from "./lib.mjs";

export async function startDevServer(port) {
  const baseUrl = `http://localhost:${port}`;
  const state = mkdtempSync(join(tmpdir(), "content-engine-"));
  const secret = `${crypto.randomUUID()}-${crypto.randomUUID()}`;
  const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", state, "-c", "wrangler.toml"], {
    cwd: root,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

  const server = spawn(
    "npx",
    ["wrangler", "dev", ...WORKER_CONFIGS.flatMap((c) => ["-c", c]), "--port", String(port), "--persist-to", state, "--var", `SESSION_SECRET:${secret}`],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const output = { log: "" };
  server.stdout.on("data", (chunk) => (output.log += chunk));
  server.stderr.on("data", (chunk) => (output.log += chunk));
  const stop = () => {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {}
    rmSync(state, { recursive: true, force: true });
  };

  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return { baseUrl, stop, output, state };
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  stop();
  throw new Error(`wrangler dev did not become healthy within 90 s:\n${output.log}`);
}
