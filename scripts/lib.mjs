import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The api Worker first: it is the primary one and answers on the dev port. */
export const WORKER_CONFIGS = ["wrangler.toml", "workers/scraper/wrangler.toml", "workers/publisher/wrangler.toml"];

/** Runs a command in the repository, echoing it; a failure stops the script with its exit code. */
export function run(command, args, options = {}) {
  console.log(`$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
