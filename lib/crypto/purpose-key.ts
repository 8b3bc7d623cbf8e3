/**
 * One secret, a distinct HMAC-SHA-256 key per purpose (the secret's HMAC of the purpose's name), so
 * a token made for one use is useless for another. Keys are derived once per isolate.
 */
const keys = new Map<string, Promise<CryptoKey>>();

export function purposeKey(secret: string, purpose: string): Promise<CryptoKey> {
  const cacheKey = `${purpose}\u0000${secret}`;
  let key = keys.get(cacheKey);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      .then((k) => crypto.subtle.sign("HMAC", k, new TextEncoder().encode(purpose)))
      .then((raw) => crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
    keys.set(cacheKey, key);
  }
  return key;
}
