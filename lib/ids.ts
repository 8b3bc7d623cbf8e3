import { randomBytes } from "./crypto/encoding";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * A random, unguessable id with a readable prefix (`ws_…`, `usr_…`): 16 random bytes, so an id
 * seen in one workspace says nothing about the ids of another.
 */
export function newId(prefix: string): string {
  let out = "";
  for (const b of randomBytes(16)) out += ALPHABET[b & 31];
  return `${prefix}_${out}`;
}
