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

export async function startFakePlatforms() {
  const { FakeBluesky } = await loadTs("test/fakes/bluesky.ts");
  const bluesky = new FakeBluesky();
  const server = await serve((request) => bluesky.handle(request));
  return {
    bluesky,
    blueskyUrl: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
