import { describe, expect, it } from "vitest";
import { parseMentions } from "./mentions";

const members = [
  { id: "u1", name: "Ada Lovelace", email: "ada@example.com" },
  { id: "u2", name: "Grace Hopper", email: "g.hopper+work@example.com" },
  { id: "u3", name: "Ada Byron", email: "byron@example.com" },
  { id: "u4", name: "Zoë Ng", email: "zng@example.com" },
];

describe("parseMentions", () => {
  it("matches full names, unique first names and email local parts, ignoring case", () => {
    expect(parseMentions("@GRACE please look, and @adalovelace too", members)).toEqual(["u2", "u1"]);
    expect(parseMentions("cc @g.hopper.", members)).toEqual(["u2"]);
    expect(parseMentions("@byron?", members)).toEqual(["u3"]);
  });
  it("ignores accents and separators in handles", () => {
    expect(parseMentions("@zoe and @Ada.Lovelace and @ada_byron", members)).toEqual(["u4", "u1", "u3"]);
    expect(parseMentions("@zoë-ng", members)).toEqual(["u4"]);
  });
  it("lists each member once, in order of first mention, through punctuation around the handle", () => {
    expect(parseMentions("(@grace), @zoe's idea; @grace again!", members)).toEqual(["u2", "u4"]);
  });
  it("a handle two members share mentions neither", () => {
    expect(parseMentions("@ada what do you think?", members)).toEqual([]);
    const twins = [...members, { id: "u5", name: "Grace Kelly", email: "kelly@example.com" }];
    expect(parseMentions("@grace", twins)).toEqual([]);
    expect(parseMentions("@gracehopper", twins)).toEqual(["u2"]);
  });
  it("ignores email addresses, links, code spans, fenced code and unknown handles", () => {
    const body = [
      "write to ada@example.com or see https://social.example/@grace",
      "or `@grace` or ``code with ` and @zoe`` or @nobody",
      "```",
      "@byron in a fence",
      "```",
      "~~~ts",
      "const at = '@zoe';",
      "~~~",
    ].join("\n");
    expect(parseMentions(body, members)).toEqual([]);
    expect(parseMentions(`${body}\nbut @byron here`, members)).toEqual(["u3"]);
  });
  it("an unclosed fence hides the rest of the comment, as Markdown renders it", () => {
    expect(parseMentions("```\n@grace", members)).toEqual([]);
  });
});
