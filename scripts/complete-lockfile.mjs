// The npm registry these machines use has workerd's Linux binaries but not its macOS and Windows
// ones, so `npm install` here writes a package-lock.json without them, and `npm ci` then refuses the
// lock as out of sync. This adds the missing optional platform entries (os/cpu set, so npm skips
// them on other platforms and fetches them by version on theirs). Run after changing dependencies.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "./lib.mjs";

const PLATFORMS = {
  "darwin-64": { os: ["darwin"], cpu: ["x64"] },
  "darwin-arm64": { os: ["darwin"], cpu: ["arm64"] },
  "linux-64": { os: ["linux"], cpu: ["x64"] },
  "linux-arm64": { os: ["linux"], cpu: ["arm64"] },
  "windows-64": { os: ["win32"], cpu: ["x64"] },
};

const path = join(root, "package-lock.json");
const lock = JSON.parse(readFileSync(path, "utf8"));
let added = 0;
for (const [location, entry] of Object.entries(lock.packages)) {
  if (!location.endsWith("node_modules/workerd")) continue;
  const parent = location.slice(0, -"workerd".length);
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `${parent}${name}`;
    if (lock.packages[key]) continue;
    const platform = PLATFORMS[name.replace("@cloudflare/workerd-", "")];
    if (!platform) throw new Error(`unknown workerd platform package ${name}`);
    lock.packages[key] = { version, dev: entry.dev, license: "Apache-2.0", optional: true, ...platform, engines: { node: ">=16" } };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
console.log(`added ${added} workerd platform entries to package-lock.json`);
