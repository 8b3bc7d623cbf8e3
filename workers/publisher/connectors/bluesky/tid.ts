/**
 * The record key of a Bluesky post is a TID: 64 bits (53 of microseconds since the epoch, 10 of clock
 * id) written in base32-sortable, 13 characters. Deriving it from the publication's idempotency key
 * and creation instant (not its scheduled time, which may move) makes every attempt of one
 * publication write the same record: a second createRecord cannot make a second post, and getRecord
 * finds the first.
 */
const ALPHABET = "234567abcdefghijklmnopqrstuvwxyz";

export async function tidFor(idempotencyKey: string, at: Date, part = 0): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(idempotencyKey)));
  // The millisecond, with sub-millisecond microseconds and the clock id from the key, so two
  // publications at the same instant on one account still get different keys. A thread's later
  // posts (`part` 1, 2, …) take the following milliseconds: distinct keys, in the thread's order.
  const micros = BigInt(at.getTime() + part) * 1000n + BigInt(((digest[0]! << 8) | digest[1]!) % 1000);
  const clockId = BigInt(((digest[2]! << 8) | digest[3]!) & 0x3ff);
  let value = ((micros & ((1n << 53n) - 1n)) << 10n) | clockId;
  let out = "";
  for (let i = 0; i < 13; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}
