// `npm start`: everything a fresh clone needs, then all three Workers in one `wrangler dev` with
// local D1, R2, Queues and Durable Objects (state in .wrangler/state, kept across restarts).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { WORKER_CONFIGS, root, run } from "./lib.mjs";

ensureDevVars();
run("node", ["scripts/vendor-assets.mjs"]);
// Browser Rendering (sources that need JavaScript) runs against a local Chromium.
run("node", ["scripts/local-browser.mjs"]);
run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "-c", "wrangler.toml"]);

const port = process.env.PORT ?? "8787";
const dev = spawn("npx", ["wrangler", "dev", ...WORKER_CONFIGS.flatMap((c) => ["-c", c]), "--port", port, ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));

/** Creates .dev.vars from .dev.vars.example, filling every empty secret with a random value. */
function ensureDevVars() {
  const target = `${root}/.dev.vars`;
  if (existsSync(target)) return;
  const lines = readFileSync(`${root}/.dev.vars.example`, "utf8")
    .split("\n")
    .map((line) => (/^[A-Z_]+=$/.test(line) ? `${line}${randomBytes(32).toString("hex")}` : line));
  writeFileSync(target, lines.join("\n"));
  console.log("created .dev.vars with fresh random secrets");
}
