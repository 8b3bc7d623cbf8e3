// `npm run demo`: the whole app offline on http://localhost:8787 (or PORT) with the platform fakes
// and a seeded workspace, so a newcomer can connect a (fake) Bluesky account, schedule a post and
// watch it go out. Everything lives in a throwaway state directory, deleted on Ctrl-C.
import { startDevServer } from "./dev-server.mjs";
import { startFakePlatforms } from "./fake-platforms.mjs";
import { run } from "./lib.mjs";
import { session } from "./session.mjs";

const DEMO_EMAIL = "demo@example.com";
const DEMO_PASSWORD = "demo password 1234";

run("node", ["scripts/vendor-assets.mjs"]);
const fakes = await startFakePlatforms();
console.log("starting the three Workers (wrangler dev)…");
const server = await startDevServer(Number(process.env.PORT ?? 8787));

const stop = async () => {
  await server.stop();
  await fakes.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

try {
  const { send, workspace } = await session(server.baseUrl, "Demo Editor", { email: DEMO_EMAIL, password: DEMO_PASSWORD, workspaceName: "Demo newsroom" });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  await expect(send(`${workspace}/settings`, { name: "Demo newsroom", timezone: zone, allowSelfApproval: "on" }), "workspace settings");
  await expect(
    send(`${workspace}/content`, {
      kind: "post",
      title: "Hello from the demo",
      body: "A first post, to schedule a few seconds ahead and watch go out.",
      "variant.bluesky.text": "Hello from the Content Engine demo: scheduled to the second, posted once. #demo https://example.com/demo",
    }),
    "a draft",
  );
} catch (err) {
  console.error(`seeding the demo failed: ${err.message}\n--- wrangler dev ---\n${server.output.log.slice(-4000)}`);
  await server.stop();
  await fakes.stop();
  process.exit(1);
}

console.log(`
The demo is running at ${server.baseUrl}  (Ctrl-C stops it and deletes its data)

1. Sign in as ${DEMO_EMAIL} with the password "${DEMO_PASSWORD}".
2. Accounts → connect Bluesky with
     handle        alice.bsky.test
     app password  ${fakes.bluesky.accounts[0].password}
     PDS           ${fakes.blueskyUrl}   (a fake Bluesky on this machine)
3. Content → "Hello from the demo": submit, approve, and schedule it a few seconds ahead.
4. Watch it go out: the post's page shows "published" with its link, and the fake's timeline
   lists what it received: ${fakes.blueskyUrl}/

Faults to try on the fake (then schedule another post):
  curl -X POST ${fakes.blueskyUrl}/_fake/faults -d '{"status5xx":1}'        a server error, retried
  curl -X POST ${fakes.blueskyUrl}/_fake/faults -d '{"acceptThenDrop":1}'   posted but the answer lost: found, not posted twice
  curl -X POST ${fakes.blueskyUrl}/_fake/faults -d '{"rateLimited":1}'      a 429: waits for the rate limit
`);

async function expect(response, what) {
  const answer = await response;
  if (answer.status >= 400) throw new Error(`${what}: ${answer.status} ${(await answer.text()).slice(0, 300)}`);
}
