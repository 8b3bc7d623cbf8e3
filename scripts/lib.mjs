import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/**
 * `wrangler dev` with several configs gives `--var` and `--env-file` to the first Worker only; the
 * others read `.dev.vars` beside their own wrangler.toml. This writes `vars` there for each of them
 * and returns a function that puts back what was there before.
 */
export function writeSecondaryDevVars(vars) {
  const previous = WORKER_CONFIGS.slice(1).map((config) => {
    const path = join(root, dirname(config), ".dev.vars");
    const before = existsSync(path) ? readFileSync(path, "utf8") : null;
    writeFileSync(path, vars);
    return { path, before };
  });
  return () => {
    for (const { path, before } of previous) {
      if (before === null) rmSync(path, { force: true });
      else writeFileSync(path, before);
    }
  };
}
