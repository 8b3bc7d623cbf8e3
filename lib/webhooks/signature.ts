/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/): the secret is `whsec_` + base64 of
 * random bytes; each request carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, where the key is the
 * secret's bytes after the prefix. Receivers verify with any Standard Webhooks library.
 *
 * At rest the secret is sealed with TOKEN_KEY under its own purpose, bound to the endpoint's id.
 */
import { seal, unseal } from "../crypto/sealed";
import { randomBytes } from "../crypto/encoding";

export const SECRET_PREFIX = "whsec_";
/** The spec asks for 24 to 64 bytes of key. */
const SECRET_BYTES = 32;

const toBase64 = (bytes: Uint8Array) => {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
};
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

export const newSigningSecret = () => SECRET_PREFIX + toBase64(randomBytes(SECRET_BYTES));

export async function signPayload(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", fromBase64(secret.slice(SECRET_PREFIX.length)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

const sealedFor = (tokenKey: string, endpointId: string) => ({ secret: tokenKey, purpose: "webhook-signing-secret", rowId: endpointId });
export const sealSigningSecret = (tokenKey: string, endpointId: string, secret: string) => seal(sealedFor(tokenKey, endpointId), secret);
export const unsealSigningSecret = (tokenKey: string, endpointId: string, stored: string) => unseal(sealedFor(tokenKey, endpointId), stored);
