/**
 * Email addresses: validation, the normalised form that identifies a person (so `Ada@Example.COM`
 * and `ada@example.com` are one subscriber), and the hash the suppression list keeps instead of the
 * address.
 */
import { sha256Hex } from "../crypto/encoding";

// The WHATWG "valid email address" grammar (what <input type=email> accepts), with a dot required in
// the domain: bulk mail to dotless hosts is always a typo.
const VALID = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

/** The normalised address, or null when it is not an address mail can be sent to. */
export function normalizeEmail(raw: string): string | null {
  const trimmed = raw.trim().normalize("NFC");
  const at = trimmed.lastIndexOf("@");
  if (at < 1) return null;
  let domain = trimmed.slice(at + 1);
  // Internationalised domains become their ASCII (punycode) form, the one mail servers compare.
  if (/[^\x00-\x7f]/.test(domain)) {
    if (!URL.canParse(`http://${domain}`)) return null;
    domain = new URL(`http://${domain}`).hostname;
  }
  const address = `${trimmed.slice(0, at)}@${domain}`.toLowerCase();
  if (address.length > 254 || trimmed.slice(0, at).length > 64 || !VALID.test(address)) return null;
  return address;
}

/** Per-workspace salted SHA-256 of a normalised address: equal addresses collide, nothing else is kept. */
export function suppressionHash(workspaceId: string, normalized: string): Promise<string> {
  return sha256Hex(`${workspaceId}:${normalized}`);
}
