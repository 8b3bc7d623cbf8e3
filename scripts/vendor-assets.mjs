// Copies the pinned browser bundles the UI serves from web/vendor (no CDN at run time): htmx for the
// UI and Scalar's standalone bundle for /api/docs. Run by `npm install` (postinstall) and by
// `npm start`; web/vendor is generated, so it is not committed.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "web", "vendor");
mkdirSync(vendor, { recursive: true });

const assets = [
  ["htmx.org/dist/htmx.min.js", "htmx.min.js"],
  ["@scalar/api-reference/dist/browser/standalone.js", "scalar-api-reference.js"],
];
for (const [from, to] of assets) {
  const source = join(root, "node_modules", from);
  copyFileSync(source, join(vendor, to));
}
console.log(`vendored ${assets.length} browser assets into web/vendor`);
