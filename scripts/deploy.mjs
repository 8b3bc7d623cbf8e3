// `npm run deploy`: remote D1 migrations first (new code may need new columns), then each Worker.
// The one-time setup (database, queues, bucket, secrets) is in README.md → Deploy.
import { WORKER_CONFIGS, run } from "./lib.mjs";

run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--remote", "-c", "wrangler.toml"]);
// The scraper and publisher first: the api Worker's producers and bindings name their queues.
for (const config of [...WORKER_CONFIGS].reverse()) run("npx", ["wrangler", "deploy", "-c", config]);
