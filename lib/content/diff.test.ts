import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffWords, type Hunk } from "./diff";

const apply = (hunks: Hunk[], side: "before" | "after") =>
  hunks.filter((h) => h.op === "equal" || h.op === (side === "before" ? "delete" : "insert")).map((h) => h.text).join("");

describe("diffWords", () => {
  it("marks the changed word only", () => {
    expect(diffWords("the quick brown fox", "the slow brown fox")).toEqual([
      { op: "equal", text: "the " },
      { op: "delete", text: "quick" },
      { op: "insert", text: "slow" },
      { op: "equal", text: " brown fox" },
    ]);
  });
  it("equal texts are one equal run; empty against text is one insert", () => {
    expect(diffWords("same text", "same text")).toEqual([{ op: "equal", text: "same text" }]);
    expect(diffWords("", "new")).toEqual([{ op: "insert", text: "new" }]);
  });
  it("both sides can be rebuilt from the hunks (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (a, b) => {
        const hunks = diffWords(a, b);
        expect(apply(hunks, "before")).toBe(a);
        expect(apply(hunks, "after")).toBe(b);
      }),
    );
  });
});
