/**
 * SendGrid's Signed Event Webhook: SendGrid signs `timestamp + raw body` with ECDSA P-256 / SHA-256
 * and sends the signature (base64 of its ASN.1 DER form) in X-Twilio-Email-Event-Webhook-Signature
 * and the timestamp (Unix seconds) in X-Twilio-Email-Event-Webhook-Timestamp. The verification key
 * SendGrid shows is base64 of the public key's DER SubjectPublicKeyInfo. WebCrypto wants the raw
 * r‖s signature, so the DER form is unpacked here.
 */
import { fromBase64Url } from "../../../lib/crypto/encoding";

export const SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature";
export const TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp";
/** Older than this, a signed request is refused, so a captured one cannot be replayed later. */
export const MAX_AGE_SECONDS = 10 * 60;

const fromBase64 = (text: string) => fromBase64Url(text.trim().replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));

export async function parsePublicKey(base64: string): Promise<CryptoKey | null> {
  try {
    return await crypto.subtle.importKey("spki", fromBase64(base64.replace(/-----[^-]+-----|\s/g, "")), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  } catch {
    return null;
  }
}

/** ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }` to the 64-byte r‖s WebCrypto verifies. */
export function derToRaw(der: Uint8Array): Uint8Array | null {
  let at = 0;
  const byte = () => der[at++];
  if (byte() !== 0x30) return null;
  let length = byte()!;
  if (length & 0x80) at += length & 0x7f;
  const out = new Uint8Array(64);
  for (const offset of [0, 32]) {
    if (byte() !== 0x02) return null;
    length = byte()!;
    let int = der.subarray(at, at + length);
    at += length;
    while (int.length > 32 && int[0] === 0) int = int.subarray(1);
    if (int.length > 32) return null;
    out.set(int, offset + 32 - int.length);
  }
  return out;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

export async function verifySignature(publicKeyBase64: string, signature: string | undefined, timestamp: string | undefined, rawBody: Uint8Array, nowSeconds = Date.now() / 1000): Promise<Verdict> {
  if (!signature || !timestamp) return { ok: false, reason: "missing signature or timestamp header" };
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > MAX_AGE_SECONDS) return { ok: false, reason: "stale or invalid timestamp" };
  const key = await parsePublicKey(publicKeyBase64);
  if (!key) return { ok: false, reason: "the configured verification key is not a P-256 public key" };
  let raw: Uint8Array | null;
  try {
    raw = derToRaw(fromBase64(signature));
  } catch {
    raw = null;
  }
  if (!raw) return { ok: false, reason: "malformed signature" };
  const stamp = new TextEncoder().encode(timestamp);
  const signed = new Uint8Array(stamp.length + rawBody.length);
  signed.set(stamp);
  signed.set(rawBody, stamp.length);
  const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, raw, signed);
  return valid ? { ok: true } : { ok: false, reason: "signature does not match" };
}
