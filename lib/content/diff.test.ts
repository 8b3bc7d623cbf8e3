import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffLines, diffWords, type Hunk } from "./diff";

const side = (hunks: Hunk[], which: "before" | "after") =>
  hunks.filter((h) => h.op === "equal" || h.op === (which === "before" ? "delete" : "insert")).map((h) => h.text).join("");
const changed = (hunks: Hunk[]) => hunks.filter((h) => h.op !== "equal").reduce((n, h) => n + h.text.length, 0);

describe("diffWords", () => {
  it("marks the changed word only", () => {
    expect(diffWords("the quick brown fox", "the slow brown fox")).toEqual([
      { op: "equal", text: "the " },
      { op: "delete", text: "quick" },
      { op: "insert", text: "slow" },
      { op: "equal", text: " brown fox" },
    ]);
  });
  it("marks a changed punctuation mark, not the word before it", () => {
    expect(diffWords("Ship it.", "Ship it!")).toEqual([
      { op: "equal", text: "Ship it" },
      { op: "delete", text: "." },
      { op: "insert", text: "!" },
    ]);
  });
  it("finds insertions and deletions in the middle, keeping what both share", () => {
    expect(diffWords("a b c d", "a c d e")).toEqual([
      { op: "equal", text: "a " },
      { op: "delete", text: "b " },
      { op: "equal", text: "c d" },
      { op: "insert", text: " e" },
    ]);
  });
  it("equal texts are one equal run; empty against text is one insert", () => {
    expect(diffWords("same text", "same text")).toEqual([{ op: "equal", text: "same text" }]);
    expect(diffWords("", "new")).toEqual([{ op: "insert", text: "new" }]);
    expect(diffWords("old", "")).toEqual([{ op: "delete", text: "old" }]);
    expect(diffWords("", "")).toEqual([]);
  });
  it("a long article with two small edits costs little and marks only the edits", () => {
    const words = Array.from({ length: 40_000 }, (_, i) => `w${i % 997}`);
    const before = words.join(" ");
    const edited = [...words];
    edited[10_000] = "CHANGED";
    edited.splice(30_000, 1);
    const started = performance.now();
    const hunks = diffWords(before, edited.join(" "));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(hunks.filter((h) => h.op === "insert").map((h) => h.text)).toEqual(["CHANGED"]);
    expect(changed(hunks)).toBeLessThan(30);
  });
  it("two unrelated long texts still give a correct, coarser diff", () => {
    const before = Array.from({ length: 30_000 }, (_, i) => `a${i}`).join(" ");
    const after = Array.from({ length: 30_000 }, (_, i) => `b${i}`).join(" ");
    const hunks = diffWords(before, after);
    expect(side(hunks, "before")).toBe(before);
    expect(side(hunks, "after")).toBe(after);
  });
  it("both sides can be rebuilt from the hunks, and no two neighbours share an op (property)", () => {
    const text = fc.array(fc.constantFrom("a", "b", "c", " ", "\n", ".", "é", "漢", "🙂", "word"), { maxLength: 80 }).map((t) => t.join(""));
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 200 })), fc.oneof(text, fc.string({ maxLength: 200 })), (a, b) => {
        const hunks = diffWords(a, b);
        expect(side(hunks, "before")).toBe(a);
        expect(side(hunks, "after")).toBe(b);
        hunks.forEach((h, i) => {
          expect(h.text).not.toBe("");
          if (i > 0) expect(h.op).not.toBe(hunks[i - 1]!.op);
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe("diffLines", () => {
  it("gives whole lines", () => {
    expect(diffLines("title\nbody one\nend\n", "title\nbody two\nend\n")).toEqual([
      { op: "equal", text: "title\n" },
      { op: "delete", text: "body one\n" },
      { op: "insert", text: "body two\n" },
      { op: "equal", text: "end\n" },
    ]);
  });
  it("a line added at the end without a final newline", () => {
    expect(diffLines("a\nb", "a\nb\nc")).toEqual([
      { op: "equal", text: "a\n" },
      { op: "delete", text: "b" },
      { op: "insert", text: "b\nc" },
    ]);
  });
  it("both sides can be rebuilt from the hunks (property)", () => {
    const lines = fc.array(fc.constantFrom("one\n", "two\n", "three\n", "\n", "four"), { maxLength: 30 }).map((t) => t.join(""));
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const hunks = diffLines(a, b);
        expect(side(hunks, "before")).toBe(a);
        expect(side(hunks, "after")).toBe(b);
      }),
    );
  });
});
