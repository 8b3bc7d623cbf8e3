/**
 * Word-level difference between two texts (revisions): a longest-common-subsequence diff over
 * words and the whitespace between them, merged into runs. Texts too large for the quadratic
 * table are compared line by line instead, which stays exact but coarser.
 */
export type Hunk = { op: "equal" | "insert" | "delete"; text: string };

const MAX_CELLS = 4_000_000;

function tokens(text: string, byLine: boolean): string[] {
  return byLine ? (text.match(/[^\n]*\n|[^\n]+$/g) ?? []) : (text.match(/\s+|[^\s]+/g) ?? []);
}

export function diffWords(before: string, after: string): Hunk[] {
  let a = tokens(before, false);
  let b = tokens(after, false);
  if (a.length * b.length > MAX_CELLS) {
    a = tokens(before, true);
    b = tokens(after, true);
  }
  // Common prefix and suffix need no table.
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
  const hunks: Hunk[] = [];
  const push = (op: Hunk["op"], text: string) => {
    const last = hunks[hunks.length - 1];
    if (last && last.op === op) last.text += text;
    else if (text) hunks.push({ op, text });
  };
  push("equal", a.slice(0, start).join(""));
  if (midA.length * midB.length > MAX_CELLS) {
    push("delete", midA.join(""));
    push("insert", midB.join(""));
  } else {
    const n = midA.length;
    const m = midB.length;
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i]![j] = midA[i] === midB[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        push("equal", midA[i++]!);
        j++;
      } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) push("delete", midA[i++]!);
      else push("insert", midB[j++]!);
    }
  }
  push("equal", a.slice(endA).join(""));
  return hunks;
}
