/**
 * The difference between two revisions, as runs of equal, deleted and inserted text: by word for an
 * inline view (`diffWords`), by line for a side-by-side one (`diffLines`). Myers' algorithm finds a
 * shortest edit script in O((N+M)·D) time, so a long article with a few edits is cheap. Past a work
 * budget (two unrelated long texts) words fall back to lines, and lines to "all of it changed":
 * always a correct diff, only coarser.
 */
export type Hunk = { op: "equal" | "insert" | "delete"; text: string };

type Op = Hunk["op"];

/** Tokens × edits explored before giving up on a finer diff: a few tens of milliseconds. */
const WORK_BUDGET = 20_000_000;
/** Edits at most, which keeps the walk-back trace (about D² integers) near 16 MB. */
const MAX_EDITS = 2000;

/** Words, runs of whitespace and single punctuation marks, so "fox." → "fox!" changes only the mark. */
const wordTokens = (text: string) => text.match(/\s+|[\p{L}\p{N}\p{M}_]+|[^\s\p{L}\p{N}\p{M}_]/gu) ?? [];
/** Lines with their line break. */
const lineTokens = (text: string) => text.match(/[^\n]*\n|[^\n]+$/g) ?? [];

/**
 * Myers' shortest edit script from `a` to `b`, one op per token, or null when it would need more
 * than `maxEdits` edits. Each step keeps only the diagonals it can reach, so memory is O(D²).
 */
function editScript(a: string[], b: string[], maxEdits: number): Op[] | null {
  const n = a.length;
  const m = b.length;
  const offset = n + m + 1;
  const v = new Int32Array(2 * offset + 1);
  const trace: Int32Array[] = [];
  // Ends by d = n + m at the latest: deleting all of a and inserting all of b always reaches the end.
  for (let d = 0; ; d++) {
    if (d > maxEdits) return null;
    // Furthest x on diagonals -d-1…d+1 after d-1 edits, for walking back later.
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return walkBack(trace, n, m);
    }
  }
}

function walkBack(trace: Int32Array[], n: number, m: number): Op[] {
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const band = trace[d]!;
    const at = (k: number) => band[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push("equal");
      x--;
      y--;
    }
    if (d > 0) ops.push(x === prevX ? "insert" : "delete");
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/** Hunks from tokens: common prefix and suffix taken off first, then the script for the middle. */
function diffTokens(a: string[], b: string[], coarser?: () => Hunk[]): Hunk[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const script = editScript(midA, midB, Math.min(MAX_EDITS, Math.floor(WORK_BUDGET / (midA.length + midB.length + 1))));
  if (!script && coarser) return coarser();

  const hunks: Hunk[] = [];
  const push = (op: Op, text: string) => {
    const last = hunks.at(-1);
    if (!text) return;
    if (last?.op === op) last.text += text;
    else hunks.push({ op, text });
  };
  push("equal", a.slice(0, start).join(""));
  if (script) {
    let i = 0;
    let j = 0;
    for (const op of script) {
      if (op === "equal") {
        push("equal", midA[i++]!);
        j++;
      } else if (op === "delete") push("delete", midA[i++]!);
      else push("insert", midB[j++]!);
    }
  } else {
    push("delete", midA.join(""));
    push("insert", midB.join(""));
  }
  push("equal", a.slice(endA).join(""));
  return hunks;
}

/** Word by word, for an inline view: the equal and deleted runs rebuild `before`, equal and inserted `after`. */
export function diffWords(before: string, after: string): Hunk[] {
  return diffTokens(wordTokens(before), wordTokens(after), () => diffLines(before, after));
}

/** Line by line (each hunk whole lines), for a side-by-side view. */
export function diffLines(before: string, after: string): Hunk[] {
  return diffTokens(lineTokens(before), lineTokens(after));
}
