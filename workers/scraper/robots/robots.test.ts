import { describe, expect, it } from "vitest";
import { isAllowed, parseRobots } from "./robots";

const ROBOTS = `
# A typical news site
User-agent: *
Disallow: /private/
Disallow: /*.pdf$
Allow: /private/press/
Crawl-delay: 2

User-agent: BadBot
Disallow: /
`;

describe("robots.txt", () => {
  const rules = parseRobots(ROBOTS);

  it("applies the longest matching rule, Allow winning a tie", () => {
    expect(isAllowed(rules, "/news/today")).toBe(true);
    expect(isAllowed(rules, "/private/notes")).toBe(false);
    expect(isAllowed(rules, "/private/press/release-1")).toBe(true);
    expect(isAllowed(parseRobots("User-agent: *\nDisallow: /a\nAllow: /a"), "/a")).toBe(true);
  });

  it("understands * and $", () => {
    expect(isAllowed(rules, "/reports/2026.pdf")).toBe(false);
    expect(isAllowed(rules, "/reports/2026.pdf?download=1")).toBe(true);
  });

  it("uses our own group when there is one, and reads Crawl-delay", () => {
    expect(rules.crawlDelaySeconds).toBe(2);
    const ours = parseRobots("User-agent: *\nDisallow: /\n\nUser-agent: ContentEngine\nDisallow: /drafts/\nCrawl-delay: 5");
    expect(isAllowed(ours, "/news")).toBe(true);
    expect(isAllowed(ours, "/drafts/x")).toBe(false);
    expect(ours.crawlDelaySeconds).toBe(5);
  });

  it("groups consecutive user-agent lines, and an empty Disallow allows all", () => {
    const shared = parseRobots("User-agent: other\nUser-agent: contentengine\nDisallow: /x\n");
    expect(isAllowed(shared, "/x/1")).toBe(false);
    expect(isAllowed(parseRobots("User-agent: *\nDisallow:"), "/anything")).toBe(true);
    expect(isAllowed(parseRobots(""), "/anything")).toBe(true);
  });
});
