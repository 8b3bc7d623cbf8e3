/**
 * The signature schemes of the webhooks we receive, each as its sender documents it. Every
 * comparison is constant-time, and every check runs on the raw body bytes before anything parses them.
 *
 * - Meta (Facebook, Instagram, Threads): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>`;
 *   the subscription handshake is a GET with `hub.mode=subscribe`, `hub.verify_token` (the token we
 *   gave Meta) and `hub.challenge` (echoed back as is).
 * - X (Account Activity API): `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, body)>`;
 *   the CRC check is a GET with `crc_token`, answered `{"response_token": "sha256=<base64 HMAC-SHA256(consumer secret, crc_token)>"}`.
 * - The generic endpoint: Standard Webhooks, verified by lib/webhooks/signature.ts (the same code
 *   that signs our outgoing webhooks).
 */
import { constantTimeEqual, hmacSha256, toBase64, toHex } from "../../../lib/crypto/encoding";
import type { Verdict } from "../../../lib/webhooks/signature";

export type { Verdict };

export const META_SIGNATURE_HEADER = "x-hub-signature-256";
export const X_SIGNATURE_HEADER = "x-twitter-webhooks-signature";

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
