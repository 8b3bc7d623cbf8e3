// The platform fakes of test/fakes as real HTTP servers on this machine, for the browser tests (and
// anything else that runs the Workers in `wrangler dev`, where miniflare's outboundService is not
// available). Each fake answers on its own port; the Workers reach it only with ALLOW_LOOPBACK=1.
import { createServer } from "node:http";
import { loadTs } from "./ts.mjs";

/** Serves `handle(Request) → Response` over node:http. */
function serve(handle, port = 0) {
  const server = createServer(async (incoming, outgoing) => {
    const chunks = [];
    for await (const chunk of incoming) chunks.push(chunk);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const request = new Request(`http://${incoming.headers.host}${incoming.url}`, { method: incoming.method, headers: incoming.headers, body: incoming.method === "GET" || incoming.method === "HEAD" ? undefined : body });
    try {
      const response = await handle(request);
      outgoing.writeHead(response.status, Object.fromEntries(response.headers));
      outgoing.end(Buffer.from(await response.arrayBuffer()));
    } catch (err) {
      outgoing.writeHead(500, { "content-type": "text/plain" }).end(String(err));
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/** `blueskyAccounts`: that many extra fake accounts, `a<i>.bsky.test` with password `pw-<i>` (benchmarks). */
export async function startFakePlatforms({ port = 0, blueskyAccounts = 0 } = {}) {
  const { FakeBluesky } = await loadTs("test/fakes/bluesky.ts");
  const bluesky = new FakeBluesky();
  for (let i = 0; i < blueskyAccounts; i++) bluesky.accounts.push({ did: `did:plc:bench${String(i).padStart(18, "0")}`, handle: `a${i}.bsky.test`, password: `pw-${i}` });
  const server = await serve((request) => (new URL(request.url).pathname === "/" ? timeline(bluesky) : bluesky.handle(request)), port);
  return {
    bluesky,
    blueskyUrl: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What the fake PDS has received, newest first: the demo's view of "the platform". */
function timeline(bluesky) {
  const records = [...bluesky.records.values()].sort((a, b) => b.receivedAt - a.receivedAt);
  const rows = records.map((r) => `<li><time>${new Date(r.receivedAt).toISOString()}</time> <b>${escape(r.repo)}</b><p>${escape(r.value.text)}</p><code>${escape(r.uri)}</code></li>`);
  const html = `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>Fake Bluesky</title><h1>Fake Bluesky: ${records.length} post(s) received</h1><p>Refreshes every 3 s. Sessions opened: ${bluesky.sessionsCreated}.</p><ul>${rows.join("")}</ul>`;
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
}

// Run on its own (`node scripts/fake-platforms.mjs [blueskyAccounts]`), the fakes get a process and
// a CPU share of their own, as real platforms would: benchmarks use this so the fake's work is not
// counted against the Worker's. The first line printed is the fakes' addresses as JSON.
if (import.meta.url === `file://${process.argv[1]}`) {
  const fakes = await startFakePlatforms({ blueskyAccounts: Number(process.argv[2] ?? 0) });
  console.log(JSON.stringify({ blueskyUrl: fakes.blueskyUrl }));
  process.on("SIGTERM", () => fakes.stop().then(() => process.exit(0)));
}
