// What the publishing benchmarks share: the fake platforms in a process of their own, Bluesky
// accounts with sessions opened and sealed as connecting them would, the publisher Worker in
// Miniflare reaching the fake over HTTP on this machine, and publications seeded straight into D1.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { root } from "../scripts/lib.mjs";
import { loadTs } from "../scripts/ts.mjs";
import { startWorker } from "./miniflare.mjs";

export const TOKEN_KEY = "bench-token-key-bench-token-key-0123456789";

export const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
export const summary = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) };
};

/** The fake platforms (scripts/fake-platforms.mjs) in their own process, with `accounts` extra Bluesky accounts. */
async function startFakes(accounts) {
  const child = spawn(process.execPath, [join(root, "scripts/fake-platforms.mjs"), String(accounts)], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const [line] = await once(createInterface({ input: child.stdout }), "line");
  return { ...JSON.parse(line), stop: () => child.kill("SIGTERM") };
}

/**
 * The fake PDS with `accounts` accounts and the publisher Worker, seeded with `publications`
 * Bluesky publications spread round the accounts, publication n due `dueOffset(n)` ms after the
 * moment `arm()` is called. `bindings` are extra Worker variables.
 */
export async function publishingBench({ accounts: count, publications, dueOffset, bindings = {} }) {
  const { seal } = await loadTs("lib/crypto/sealed.ts");
  const fakes = await startFakes(count);
  const pds = fakes.blueskyUrl;
  const accounts = Array.from({ length: count }, (_, i) => ({ handle: `a${i}.bsky.test`, password: `pw-${i}` }));
  const credentials = [];
  for (const [i, account] of accounts.entries()) {
    const session = await (await fetch(`${pds}/xrpc/com.atproto.server.createSession`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ identifier: account.handle, password: account.password }) })).json();
    account.did = session.did;
    credentials.push(await seal({ secret: TOKEN_KEY, purpose: "account-credentials", rowId: `acc_${i}` }, JSON.stringify({ accessJwt: session.accessJwt, refreshJwt: session.refreshJwt, appPassword: account.password })));
  }
  const publisher = await startWorker("workers/publisher/wrangler.toml", {
    bindings: { TOKEN_KEY, ALLOW_LOOPBACK: "1", ...bindings },
    onLog: (message) => message.includes('"level":"error"') && console.error(message),
  });
  const { db, worker } = publisher;
  const now = Date.now();
  // [sql, ...params], prepared a batch at a time: Miniflare's D1 proxy holds each prepared statement.
  const statements = [
    ["INSERT INTO users (id, email, name, password_hash) VALUES ('usr_bench', 'bench@example.com', 'Bench', 'x')"],
    ["INSERT INTO workspaces (id, name) VALUES ('ws_bench', 'Publishing bench')"],
  ];
  for (const [i, account] of accounts.entries()) {
    statements.push(["INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, 'ws_bench', 'bluesky', ?, ?, ?, ?)", `acc_${i}`, account.did, account.handle, pds, credentials[i]]);
  }
  for (let n = 0; n < publications; n++) {
    statements.push(
      ["INSERT INTO content (id, workspace_id, kind, title, status, author_id, updated_at) VALUES (?, 'ws_bench', 'post', ?, 'scheduled', 'usr_bench', ?)", `cnt_${n}`, `Post ${n}`, now],
      ["INSERT INTO content_variants (id, workspace_id, content_id, platform, text) VALUES (?, 'ws_bench', ?, 'bluesky', ?)", `var_${n}`, `cnt_${n}`, `Bench post pub_${n}`],
      [
        "INSERT INTO publications (id, workspace_id, content_id, variant_id, account_id, scheduled_at, scheduled_zone, idempotency_key, updated_at) VALUES (?, 'ws_bench', ?, ?, ?, ?, 'UTC', ?, ?)",
        `pub_${n}`,
        `cnt_${n}`,
        `var_${n}`,
        `acc_${n % count}`,
        dueOffset(n),
        `idem_${n}`,
        now,
      ],
    );
  }
  for (let i = 0; i < statements.length; i += 50) await db.batch(statements.slice(i, i + 50).map(([sql, ...params]) => db.prepare(sql).bind(...params)));

  return {
    db,
    pds,
    fakeControl: (path, body) => fetch(`${pds}/_fake/${path}`, { method: "POST", body: JSON.stringify(body) }),
    /** Moves the due offsets to real instants from now, then arms the schedulers the way the minute cron does. */
    async arm() {
      const start = Date.now();
      await db.prepare("UPDATE publications SET scheduled_at = scheduled_at + ?").bind(start).run();
      const arming = Date.now();
      await worker.scheduled({ scheduledTime: new Date(), cron: "* * * * *" });
      return { start, armedInMs: Date.now() - arming };
    },
    /** What the fake holds: each publication's records, by the id in its text. */
    async recordsByPublication() {
      const { records } = await (await fetch(`${pds}/_fake/state`)).json();
      const byPublication = new Map();
      for (const record of records) {
        const id = record.value.text.replace("Bench post ", "");
        byPublication.set(id, [...(byPublication.get(id) ?? []), record]);
      }
      return byPublication;
    },
    /** Each publication's status, by id. */
    statuses: async () => new Map((await db.prepare("SELECT id, status FROM publications").all()).results.map((r) => [r.id, r.status])),
    statusCounts: async () => Object.fromEntries((await db.prepare("SELECT status, COUNT(*) AS n FROM publications GROUP BY status").all()).results.map((r) => [r.status, r.n])),
    async stop() {
      await publisher.dispose();
      fakes.stop();
    },
  };
}
