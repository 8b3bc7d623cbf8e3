/**
 * A webhook receiver written from the Standard Webhooks spec (https://www.standardwebhooks.com/),
 * independently of lib/webhooks: it verifies each POST's signature the way a customer's server
 * would, answers 401 to a bad one, and can be told to fail its next N requests. Served by the tests'
 * outbound service (web.ts) at https://hooks.receiver.test; each test uses its own key:
 *
 * - POST /__fake/config {key, secret?, failTimes?, failStatus?, toleranceSeconds?}
 * - POST /in/<key>          a webhook (recorded with whether it verified)
 * - GET  /__fake/received?key=<key>  what arrived, oldest first
 */
export const RECEIVER_HOST = "hooks.receiver.test";

type Config = { secret?: string; failTimes: number; failStatus: number; toleranceSeconds: number };
export type Received = { id: string | null; timestamp: string | null; signature: string | null; body: string; verified: string; answered: number };

const configs = new Map<string, Config>();
const received = new Map<string, Received[]>();

const bytesOfBase64 = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const base64Of = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/**
 * The spec's verification: the key is the base64 after `whsec_`; the signed content is
 * `{webhook-id}.{webhook-timestamp}.{raw body}`; `webhook-signature` holds space-separated
 * `v1,<base64>` entries, any of which may match; timestamps too far from now are refused (replays).
 * Returns "ok" or why not.
 */
export async function verifyStandardWebhook(secret: string, headers: Headers, body: string, nowSeconds = Math.floor(Date.now() / 1000), toleranceSeconds = 300): Promise<string> {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signature = headers.get("webhook-signature");
  if (!id || !timestamp || !signature) return "missing header";
  if (!/^\d+$/.test(timestamp)) return "invalid timestamp";
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return "timestamp out of tolerance";
  if (!secret.startsWith("whsec_")) return "invalid secret";
  const key = await crypto.subtle.importKey("raw", bytesOfBase64(secret.slice("whsec_".length)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const expected = base64Of(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`))));
  for (const entry of signature.split(" ")) {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value || value.length !== expected.length) continue;
    let diff = 0;
    for (let i = 0; i < value.length; i++) diff |= value.charCodeAt(i) ^ expected.charCodeAt(i);
    if (diff === 0) return "ok";
  }
  return "no matching signature";
}

export async function webhookReceiver(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/__fake/config" && request.method === "POST") {
    const body = (await request.json()) as Partial<Config> & { key: string };
    configs.set(body.key, { secret: body.secret, failTimes: body.failTimes ?? 0, failStatus: body.failStatus ?? 500, toleranceSeconds: body.toleranceSeconds ?? 300 });
    return Response.json({ ok: true });
  }
  if (url.pathname === "/__fake/received") return Response.json(received.get(url.searchParams.get("key") ?? "") ?? []);
  const key = url.pathname.match(/^\/in\/([\w-]+)$/)?.[1];
  if (!key || request.method !== "POST") return new Response("not found", { status: 404 });
  const config = configs.get(key) ?? { failTimes: 0, failStatus: 500, toleranceSeconds: 300 };
  const body = await request.text();
  const verified = config.secret ? await verifyStandardWebhook(config.secret, request.headers, body, undefined, config.toleranceSeconds) : "no secret configured";
  let answered: number;
  if (config.failTimes > 0) {
    config.failTimes--;
    answered = config.failStatus;
  } else {
    answered = config.secret && verified !== "ok" ? 401 : 200;
  }
  const log = received.get(key) ?? [];
  log.push({ id: request.headers.get("webhook-id"), timestamp: request.headers.get("webhook-timestamp"), signature: request.headers.get("webhook-signature"), body, verified, answered });
  received.set(key, log);
  if (answered === 401) return new Response(`signature refused: ${verified}`, { status: 401 });
  if (answered >= 300) return new Response("receiver is down for maintenance", { status: answered });
  return Response.json({ received: true });
}
