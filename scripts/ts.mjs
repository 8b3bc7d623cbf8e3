// Loads a TypeScript module of the Workers into Node by bundling it with esbuild, as wrangler does
// for deploys, so the command-line tools run exactly the code the Workers run.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./lib.mjs";

export async function loadTs(entry) {
  // Packages stay external (Node loads them itself), so the output lives where node_modules is found.
  const dir = join(root, "node_modules", ".cache", "content-engine-cli");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${entry.replace(/[^\w]+/g, "_")}.mjs`);
  await build({ entryPoints: [join(root, entry)], bundle: true, packages: "external", platform: "node", format: "esm", outfile, logLevel: "error" });
  return import(pathToFileURL(outfile).href);
}

/** The text of a file, or of a URL fetched with the Workers' SSRF-safe fetch. */
export async function readInput(target, safeFetch) {
  if (/^https?:\/\//i.test(target)) return (await safeFetch(target)).text;
  const { readFileSync } = await import("node:fs");
  return readFileSync(target, "utf8");
}

export function fail(message) {
  console.error(message);
  process.exit(1);
}
