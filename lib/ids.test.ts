import { describe, expect, it } from "vitest";
import { newId } from "./ids";

describe("newId", () => {
  it("has the prefix and 16 characters from a 32-letter alphabet, distinct each time", () => {
    const a = newId("ws");
    expect(a).toMatch(/^ws_[0-9a-hjkmnp-tv-z]{16}$/);
    expect(newId("ws")).not.toBe(a);
  });
});
