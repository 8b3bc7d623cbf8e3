// `npm start`: everything a fresh clone needs, then all three Workers in one `wrangler dev` with
// local D1, R2, Queues and Durable Objects (state in .wrangler/state, kept across restarts).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { WORKER_CONFIGS, root, run, writeSecondaryDevVars } from "./lib.mjs";

ensureDevVars();
// The scraper and publisher read their secrets from .dev.vars beside their own wrangler.toml.
writeSecondaryDevVars(readFileSync(`${root}/.dev.vars`, "utf8"));
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

/**
 * Creates .dev.vars from .dev.vars.example with every empty secret filled with a random value; a
 * secret added to the example later is appended to an existing .dev.vars the same way.
 */
function ensureDevVars() {
  const target = `${root}/.dev.vars`;
  const example = readFileSync(`${root}/.dev.vars.example`, "utf8");
  const fill = (line) => `${line}${randomBytes(32).toString("hex")}`;
  if (!existsSync(target)) {
    writeFileSync(target, example.replace(/^[A-Z_]+=$/gm, fill));
    console.log("created .dev.vars with fresh random secrets");
    return;
  }
  const existing = readFileSync(target, "utf8");
  const missing = (example.match(/^[A-Z_]+=$/gm) ?? []).filter((line) => !new RegExp(`^${line}`, "m").test(existing));
  if (missing.length === 0) return;
  writeFileSync(target, `${existing.replace(/\n*$/, "\n")}${missing.map(fill).join("\n")}\n`);
  console.log(`.dev.vars: added ${missing.map((line) => line.slice(0, -1)).join(", ")} with fresh random values`);
}
