/**
 * The publisher's events reach webhook endpoints: a post going out (publication.published, through
 * the real publish path against the fake PDS), a post failing for good (publication.failed), and a
 * newsletter send finishing (send.finished).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { seal } from "../../../lib/crypto/sealed";
import { database } from "../../../lib/db/client";
import { emitSendFinished } from "../../../lib/webhooks/emit";
import { newSigningSecret, sealSigningSecret } from "../../../lib/webhooks/signature";
import { createSession } from "../connectors/bluesky";
import { credentialsSeal, publishPublication } from "../publish";

const PDS = "https://pds.bsky.test";
const WS = "ws_hook_events";
const ACCOUNT = "acc_hook_events";
const ENDPOINT = "whe_hook_events";

beforeAll(async () => {
  const session = await createSession(PDS, "alice.bsky.test", "app-pass-word-1234");
  const credentials = await seal(credentialsSeal(env, ACCOUNT), JSON.stringify({ accessJwt: session.accessJwt, refreshJwt: session.refreshJwt, appPassword: "app-pass-word-1234" }));
  await env.DB.batch([
    env.DB.prepare("INSERT INTO users (id, email, name, password_hash) VALUES ('usr_he', 'he@example.com', 'H', 'x')"),
    env.DB.prepare("INSERT INTO workspaces (id, name) VALUES (?, 'Hook events')").bind(WS),
    env.DB.prepare("INSERT INTO social_accounts (id, workspace_id, platform, external_id, handle, service_url, credentials) VALUES (?, ?, 'bluesky', ?, ?, ?, ?)").bind(ACCOUNT, WS, session.did, session.handle, PDS, credentials),
    env.DB.prepare("INSERT INTO webhook_endpoints (id, workspace_id, url, event_types, secret_sealed) VALUES (?, ?, 'https://hooks.receiver.test/in/events', ?, ?)").bind(
      ENDPOINT,
      WS,
      JSON.stringify(["publication.published", "publication.failed", "send.finished"]),
      await sealSigningSecret(env.TOKEN_KEY, ENDPOINT, newSigningSecret()),
    ),
  ]);
});

let counter = 0;
async function publication(text: string): Promise<{ id: string; contentId: string }> {
  const n = ++counter;
  await env.DB.batch([
    env.DB.prepare("INSERT INTO content (id, workspace_id, kind, title, status, author_id, updated_at) VALUES (?, ?, 'post', ?, 'scheduled', 'usr_he', ?)").bind(`cnt_he${n}`, WS, `Post ${n}`, Date.now()),
    env.DB.prepare("INSERT INTO content_variants (id, workspace_id, content_id, platform, text) VALUES (?, ?, ?, 'bluesky', ?)").bind(`var_he${n}`, WS, `cnt_he${n}`, text),
    env.DB.prepare(
      "INSERT INTO publications (id, workspace_id, content_id, variant_id, account_id, scheduled_at, scheduled_zone, idempotency_key, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'UTC', ?, ?)",
    ).bind(`pub_he${n}`, WS, `cnt_he${n}`, `var_he${n}`, ACCOUNT, Date.now() - 10, `idem_he${n}_${crypto.randomUUID()}`, Date.now()),
  ]);
  return { id: `pub_he${n}`, contentId: `cnt_he${n}` };
}

const eventsFor = async (type: string) =>
  (await env.DB.prepare("SELECT payload FROM webhook_deliveries WHERE endpoint_id = ? AND event_type = ? ORDER BY created_at").bind(ENDPOINT, type).all<{ payload: string }>()).results.map(
    (r) => JSON.parse(r.payload) as { type: string; data: Record<string, unknown> },
  );

describe("publisher events", () => {
  it("a post going out emits publication.published with its platform id and link", async () => {
    const { id, contentId } = await publication("Hello from the webhook test");
    expect(await publishPublication(env, id, { timeoutMs: 2000 })).toEqual({ status: "published" });
    const [event] = await eventsFor("publication.published");
    const row = await env.DB.prepare("SELECT external_id AS externalId, external_url AS url FROM publications WHERE id = ?").bind(id).first<{ externalId: string; url: string }>();
    expect(event).toMatchObject({ type: "publication.published", data: { publicationId: id, contentId, accountId: ACCOUNT, platform: "bluesky", externalId: row!.externalId, url: row!.url } });
  });

  it("a post refused for good emits publication.failed with the reason", async () => {
    const { id } = await publication("x".repeat(400));
    expect(await publishPublication(env, id, { timeoutMs: 2000 })).toEqual({ status: "failed" });
    const [event] = await eventsFor("publication.failed");
    expect(event!.data).toMatchObject({ publicationId: id, accountId: ACCOUNT });
    expect(String(event!.data.error)).toMatch(/300|long|limit/i);
  });

  it("a finished send emits send.finished with its counts, once it is marked sent", async () => {
    await env.DB.batch([
      env.DB.prepare("INSERT INTO newsletters (id, workspace_id, subject, updated_at) VALUES ('nl_he', ?, 'November', ?)").bind(WS, Date.now()),
      env.DB.prepare(
        "INSERT INTO email_sends (id, workspace_id, newsletter_id, status, scheduled_at, subject, preheader, html, text, base_url, total, sent, failed, finished_at) VALUES ('snd_he', ?, 'nl_he', 'sending', ?, 'November', '', '<p>x</p>', 'x', 'https://engine.test', 3, 2, 1, ?)",
      ).bind(WS, Date.now(), Date.now()),
    ]);
    await emitSendFinished(database(env.DB), "snd_he");
    expect(await eventsFor("send.finished")).toEqual([]);
    await env.DB.prepare("UPDATE email_sends SET status = 'sent' WHERE id = 'snd_he'").run();
    await emitSendFinished(database(env.DB), "snd_he");
    const [event] = await eventsFor("send.finished");
    expect(event!.data).toMatchObject({ sendId: "snd_he", newsletterId: "nl_he", subject: "November", total: 3, sent: 2, failed: 1 });
  });
});
