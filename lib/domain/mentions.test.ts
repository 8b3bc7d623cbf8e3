import { describe, expect, it } from "vitest";
import { parseMentions } from "./mentions";

const members = [
  { id: "u1", name: "Ada Lovelace", email: "ada@example.com" },
  { id: "u2", name: "Grace Hopper", email: "g.hopper@example.com" },
  { id: "u3", name: "Ada Byron", email: "byron@example.com" },
];

describe("parseMentions", () => {
  it("matches full names, unique first names and email local parts, case-insensitively", () => {
    expect(parseMentions("@GRACE please look, and @adalovelace too", members).sort()).toEqual(["u1", "u2"]);
    expect(parseMentions("cc @g.hopper.", members)).toEqual(["u2"]);
  });
  it("a handle two members share mentions neither", () => {
    expect(parseMentions("@ada what do you think?", members)).toEqual([]);
    expect(parseMentions("@adabyron", members)).toEqual(["u3"]);
    const twins = [...members, { id: "u4", name: "Grace Kelly", email: "kelly@example.com" }];
    expect(parseMentions("@grace", twins)).toEqual([]);
  });
  it("ignores email addresses, code spans and unknown handles", () => {
    expect(parseMentions("write to ada@example.com or `@grace` or @nobody", members)).toEqual([]);
  });
});
