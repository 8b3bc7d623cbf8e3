/**
 * Secrets at rest (provider API keys, OAuth tokens): AES-256-GCM under a key derived with HKDF from a
 * Worker secret and a purpose label, so each kind of secret has its own key and none is the
 * session-signing key itself. A random 96-bit IV per value; the row's id is bound as associated data,
 * so a sealed value copied into another row does not open. Stored as `v1.<iv>.<ciphertext>`.
 */
import { fromBase64Url, toBase64Url } from "./encoding";

const keys = new Map<string, Promise<CryptoKey>>();

function sealingKey(secret: string, purpose: string): Promise<CryptoKey> {
  const cacheKey = `${purpose}\u0000${secret}`;
  let key = keys.get(cacheKey);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", new TextEncoder().encode(secret), "HKDF", false, ["deriveKey"])
      .then((material) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: new TextEncoder().encode(`content-engine/${purpose}/v1`) },
          material,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
    keys.set(cacheKey, key);
  }
  return key;
}

export type SealContext = { secret: string; purpose: string; rowId: string };

export async function seal({ secret, purpose, rowId }: SealContext, plain: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(rowId) }, await sealingKey(secret, purpose), new TextEncoder().encode(plain));
  return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

/** @throws when the value was sealed for another row, purpose or secret, or was altered. */
export async function unseal({ secret, purpose, rowId }: SealContext, stored: string): Promise<string> {
  const [version, iv, data] = stored.split(".");
  if (version !== "v1" || !iv || !data) throw new Error("Unknown sealed-secret format");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64Url(iv), additionalData: new TextEncoder().encode(rowId) }, await sealingKey(secret, purpose), fromBase64Url(data));
  return new TextDecoder().decode(plain);
}
