// Local Browser Rendering: miniflare runs the `[browser]` binding by launching Chrome for Testing
// (version BROWSER_VERSION in miniflare) from ~/.cache/.wrangler/chrome/, downloading it on first
// use. On machines without that download (offline, or a registry mirror only), we put a small wrapper
// at that path that starts a Chromium we already have: CHROME_PATH when set, else the one packed in
// @sparticuz/chromium. miniflare skips the download when the folder holds the executable and its
// `.miniflare-install-complete` marker. Only Linux is handled: elsewhere miniflare's own download works.
import chromium from "@sparticuz/chromium";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/**
 * The Chrome versions miniflare expects, read from its builds so an upgrade cannot leave us behind:
 * wrangler's own copy (wrangler dev) and the one the vitest plugin runs (tests) may differ.
 */
function miniflareBrowserVersions() {
  const require = createRequire(import.meta.url);
  const copies = new Set([require.resolve("miniflare"), createRequire(require.resolve("wrangler")).resolve("miniflare")]);
  const versions = new Set();
  for (const copy of copies) {
    const version = readFileSync(copy, "utf8").match(/BROWSER_VERSION = "([\d.]+)"/)?.[1];
    if (!version) throw new Error(`could not find BROWSER_VERSION in ${copy}; local Browser Rendering cannot be set up`);
    versions.add(version);
  }
  return versions;
}

const MARK = "# Written by scripts/local-browser.mjs";

/** Whether the file at `path` is a Chrome that miniflare downloaded itself (left alone), not our wrapper. */
function isRealDownload(path) {
  const head = Buffer.alloc(64);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return !head.toString("latin1").includes(MARK);
}

/** Writes the wrapper if it is missing or points elsewhere; returns the Chromium it starts. */
export async function setUpLocalBrowser() {
  if (process.platform !== "linux" || process.arch !== "x64") return null;
  const chrome = process.env.CHROME_PATH || (await chromium.executablePath());
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), ".wrangler");
  for (const version of miniflareBrowserVersions()) writeWrapper(join(cache, "chrome", `linux-${version}`), chrome);
  return chrome;
}

function writeWrapper(installDir, chrome) {
  const executable = join(installDir, "chrome-linux64", "chrome");
  if (existsSync(executable) && isRealDownload(executable)) return;
  // Chromium refuses to run as root with its sandbox on; CI machines and containers run as root.
  const sandbox = process.getuid?.() === 0 ? " --no-sandbox" : "";
  const wrapper = `#!/bin/sh\n${MARK}: miniflare's local Browser Rendering starts this Chromium.\nexec "${chrome}"${sandbox} "$@"\n`;
  if (!existsSync(executable) || readFileSync(executable, "utf8") !== wrapper) {
    mkdirSync(dirname(executable), { recursive: true });
    writeFileSync(executable, wrapper);
    chmodSync(executable, 0o755);
  }
  writeFileSync(join(installDir, ".miniflare-install-complete"), "");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const chrome = await setUpLocalBrowser();
  console.log(chrome ? `local Browser Rendering uses ${chrome}` : "local Browser Rendering: miniflare downloads Chrome on this platform");
}
