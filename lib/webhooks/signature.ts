/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/): the secret is `whsec_` + base64 of
 * random bytes; each request carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, where the key is the
 * secret's bytes after the prefix. Receivers verify with any Standard Webhooks library. Both ends
 * are here: signing for webhooks out (lib/webhooks/deliver.ts), verifying for each workspace's
 * inbound endpoint (workers/api/webhooks-in).
 *
 * At rest the secret is sealed with TOKEN_KEY under its own purpose, bound to the endpoint's id.
 */
import { seal, unseal } from "../crypto/sealed";
import { constantTimeEqual, fromBase64, hmacSha256, randomBytes, toBase64 } from "../crypto/encoding";

export const SECRET_PREFIX = "whsec_";
/** The spec asks for 24 to 64 bytes of key. */
const SECRET_BYTES = 32;

export const STANDARD_HEADERS = { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" } as const;
/** A request older or newer than this is refused (a replay). */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export const newSigningSecret = () => SECRET_PREFIX + toBase64(randomBytes(SECRET_BYTES));

const keyOf = (secret: string) => fromBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);

/** The base64 HMAC over "{id}.{timestamp}.{body}" (the body as the raw bytes sent). */
async function mac(secret: string, id: string, timestamp: number | string, body: Uint8Array | string): Promise<string> {
  const raw = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + raw.length);
  signed.set(prefix);
  signed.set(raw, prefix.length);
  return toBase64(await hmacSha256(keyOf(secret), signed));
}

export async function signPayload(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  return `v1,${await mac(secret, id, timestamp, body)}`;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

export async function verifyStandard(
  secret: string,
  headers: { id?: string; timestamp?: string; signature?: string },
  body: Uint8Array,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<Verdict> {
  if (!headers.id || !headers.timestamp || !headers.signature) return { ok: false, reason: "missing webhook-id, webhook-timestamp or webhook-signature header" };
  if (!/^\d{1,12}$/.test(headers.timestamp)) return { ok: false, reason: "webhook-timestamp is not Unix seconds" };
  if (Math.abs(nowSeconds - Number(headers.timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) return { ok: false, reason: "webhook-timestamp is more than 5 minutes away from now" };
  let expected: string;
  try {
    expected = await mac(secret, headers.id, headers.timestamp, body);
  } catch {
    return { ok: false, reason: "the secret is not valid base64" };
  }
  // Several signatures may be given, space-separated, while a sender rotates its secret; every one is
  // compared (no early exit), so the time taken says nothing about which matched.
  let matched = false;
  for (const part of headers.signature.split(" ")) {
    const [version, value] = part.split(",", 2);
    if (version === "v1" && value && constantTimeEqual(expected, value)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: "signature does not match" };
}

const sealedFor = (tokenKey: string, endpointId: string) => ({ secret: tokenKey, purpose: "webhook-signing-secret", rowId: endpointId });
export const sealSigningSecret = (tokenKey: string, endpointId: string, secret: string) => seal(sealedFor(tokenKey, endpointId), secret);
export const unsealSigningSecret = (tokenKey: string, endpointId: string, stored: string) => unseal(sealedFor(tokenKey, endpointId), stored);
