// One Worker of this repository, bundled by wrangler exactly as for a deploy, running in Miniflare
// with the bindings of its own wrangler.toml (local D1, Queues, Durable Objects) and the migrations
// applied; its outbound network is `outbound` (a fake web) when given, else the machine's own; its
// structured logs go to `onLog`.
// For benchmarks that need what `wrangler dev` cannot give: a fake network and the Worker's logs.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from "wrangler";
import { root } from "../scripts/lib.mjs";

// The Miniflare that wrangler itself runs, so the options it derives from wrangler.toml fit it.
const require = createRequire(import.meta.url);
const { Miniflare, convertV4MiniflareOptions } = await import(pathToFileURL(createRequire(require.resolve("wrangler")).resolve("miniflare")).href);

export async function startWorker(configPath, { outbound, onLog = () => {}, bindings = {} }) {
  const out = mkdtempSync(join(tmpdir(), "bench-worker-"));
  const build = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "-c", configPath, "--outdir", out], { cwd: root, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`bundling ${configPath} failed:\n${build.stdout}\n${build.stderr}`);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, configPath));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          ...workerOptions,
          modulesRules: undefined,
          name: "bench",
          modules: true,
          scriptPath: join(out, "index.js"),
          modulesRoot: out,
          ...(outbound ? { outboundService: outbound } : {}),
          bindings: { ...workerOptions.bindings, ...bindings },
        },
      ],
      handleStructuredLogs: ({ message }) => onLog(message),
    }),
  );
  const db = await mf.getD1Database("DB");
  for (const file of readdirSync(join(root, "migrations")).filter((f) => f.endsWith(".sql")).sort()) {
    const statements = unstable_splitSqlQuery(readFileSync(join(root, "migrations", file), "utf8"));
    await db.batch(statements.map((s) => db.prepare(s)));
  }
  return {
    mf,
    db,
    worker: await mf.getWorker(),
    dispose: async () => {
      await mf.dispose();
      rmSync(out, { recursive: true, force: true });
    },
  };
}
