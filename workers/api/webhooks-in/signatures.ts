/**
 * The signature schemes of the webhooks we receive, each as its sender documents it. Every
 * comparison is constant-time, and every check runs on the raw body bytes before anything parses them.
 *
 * - Meta (Facebook, Instagram, Threads): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>`;
 *   the subscription handshake is a GET with `hub.mode=subscribe`, `hub.verify_token` (the token we
 *   gave Meta) and `hub.challenge` (echoed back as is).
 * - X (Account Activity API): `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, body)>`;
 *   the CRC check is a GET with `crc_token`, answered `{"response_token": "sha256=<base64 HMAC-SHA256(consumer secret, crc_token)>"}`.
 * - The generic endpoint (Standard Webhooks): `webhook-id`, `webhook-timestamp` (Unix seconds) and
 *   `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` (several may be
 *   given, space-separated, while a sender rotates); the key is the bytes after `whsec_` of the
 *   workspace's secret, base64-decoded. Older or newer than 5 minutes is refused (replays).
 */
import { constantTimeEqual, fromBase64Url, toHex } from "../../../lib/crypto/encoding";

export const META_SIGNATURE_HEADER = "x-hub-signature-256";
export const X_SIGNATURE_HEADER = "x-twitter-webhooks-signature";
export const STANDARD_HEADERS = { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" } as const;
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;
export const SECRET_PREFIX = "whsec_";

const encode = (text: string) => new TextEncoder().encode(text);

export async function hmacSha256(key: Uint8Array | string, data: Uint8Array | string): Promise<Uint8Array> {
  const material = typeof key === "string" ? encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, typeof data === "string" ? encode(data) : data));
}

/** Standard base64 (with padding), as X and Standard Webhooks write signatures. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export type Verdict = { ok: true } | { ok: false; reason: string };

export async function verifyMeta(appSecret: string, header: string | undefined, body: Uint8Array): Promise<Verdict> {
  if (!header) return { ok: false, reason: "missing X-Hub-Signature-256 header" };
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return { ok: false, reason: "malformed X-Hub-Signature-256 header (expected sha256=<hex>)" };
  const expected = toHex(await hmacSha256(appSecret, body));
  return constantTimeEqual(expected, match[1]!.toLowerCase()) ? { ok: true } : { ok: false, reason: "signature does not match" };
}

export async function xCrcResponse(consumerSecret: string, crcToken: string): Promise<string> {
  return `sha256=${toBase64(await hmacSha256(consumerSecret, crcToken))}`;
}

export async function verifyX(consumerSecret: string, header: string | undefined, body: Uint8Array): Promise<Verdict> {
  if (!header) return { ok: false, reason: "missing x-twitter-webhooks-signature header" };
  const given = header.trim();
  if (!given.startsWith("sha256=")) return { ok: false, reason: "malformed x-twitter-webhooks-signature header (expected sha256=<base64>)" };
  const expected = `sha256=${toBase64(await hmacSha256(consumerSecret, body))}`;
  return constantTimeEqual(expected, given) ? { ok: true } : { ok: false, reason: "signature does not match" };
}

/** A new generic-endpoint secret: `whsec_` and 32 random bytes in base64. */
export function newInboundSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

function secretKey(secret: string): Uint8Array {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return fromBase64Url(b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
}

export async function verifyStandard(
  secret: string,
  headers: { id?: string; timestamp?: string; signature?: string },
  body: Uint8Array,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<Verdict> {
  if (!headers.id || !headers.timestamp || !headers.signature) return { ok: false, reason: "missing webhook-id, webhook-timestamp or webhook-signature header" };
  if (!/^\d{1,12}$/.test(headers.timestamp)) return { ok: false, reason: "webhook-timestamp is not Unix seconds" };
  if (Math.abs(nowSeconds - Number(headers.timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) return { ok: false, reason: "webhook-timestamp is more than 5 minutes away from now" };
  const prefix = encode(`${headers.id}.${headers.timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  const expected = toBase64(await hmacSha256(secretKey(secret), signed));
  // Every candidate is compared (no early exit), so the time taken says nothing about which matched.
  let matched = false;
  for (const part of headers.signature.split(" ")) {
    const [version, value] = part.split(",", 2);
    if (version === "v1" && value && constantTimeEqual(expected, value)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: "signature does not match" };
}
