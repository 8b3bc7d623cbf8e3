/**
 * Near-duplicate detection: a 64-bit SimHash over word shingles (three words), so two copies of a
 * story with a changed headline or a trailing "Read more" land a few bits apart while different
 * stories land about 32 apart (± 4). Six bits keeps short items with a sentence added together while
 * two unrelated items fall that close by chance less than once in a hundred billion pairs.
 */
export const NEAR_DUPLICATE_BITS = 6;
const SHINGLE = 3;

/** 64-bit FNV-1a of a string, as a bigint. */
function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

export function words(text: string): string[] {
  return text.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The SimHash of a text, as 16 hex digits (the form stored in D1). */
export function simhash(text: string): string {
  const tokens = words(text);
  const shingles = tokens.length < SHINGLE ? [tokens.join(" ")] : tokens.slice(0, tokens.length - SHINGLE + 1).map((_, i) => tokens.slice(i, i + SHINGLE).join(" "));
  const weights = new Array<number>(64).fill(0);
  for (const shingle of shingles) {
    const hash = fnv1a64(shingle);
    for (let bit = 0; bit < 64; bit++) weights[bit]! += (hash >> BigInt(bit)) & 1n ? 1 : -1;
  }
  let result = 0n;
  for (let bit = 0; bit < 64; bit++) if (weights[bit]! > 0) result |= 1n << BigInt(bit);
  return result.toString(16).padStart(16, "0");
}

export function hammingDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (x) {
    x &= x - 1n;
    count++;
  }
  return count;
}

/**
 * Groups items into stories: each item joins the first story whose first member is within
 * NEAR_DUPLICATE_BITS of it. Returns the story index of every item, in input order.
 */
export function groupStories(hashes: string[]): number[] {
  const leaders: string[] = [];
  return hashes.map((hash) => {
    const found = leaders.findIndex((leader) => hammingDistance(leader, hash) <= NEAR_DUPLICATE_BITS);
    if (found >= 0) return found;
    leaders.push(hash);
    return leaders.length - 1;
  });
}
