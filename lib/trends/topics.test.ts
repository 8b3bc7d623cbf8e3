import { describe, expect, it } from "vitest";
import { keyTerms, rankTopics, sparklinePoints, type TrendItem } from "./topics";

const HOUR = 3_600_000;
const now = Date.UTC(2026, 10, 23, 12);
let n = 0;
const item = (title: string, hoursAgo: number, sourceId = "s1"): TrendItem => ({ id: `i${++n}`, title, sourceId, at: now - hoursAgo * HOUR, url: `https://x.example/${n}` });

describe("keyTerms", () => {
  it("keeps names whole and drops stop words and numbers", () => {
    expect(keyTerms("Red Hat releases WildFly 10 for the Java world")).toEqual(["red hat", "releases", "wildfly", "java", "world"]);
  });

  it("reads nothing into the capitals of a Title Case headline", () => {
    expect(keyTerms("Solar Storm Lights Up Skies Over Northern Europe")).toEqual(["solar", "storm", "lights", "skies", "northern", "europe"]);
    expect(keyTerms("Why the European Central Bank held rates")).toEqual(["european central bank", "held", "rates"]);
  });
});

describe("rankTopics", () => {
  it("a burst outranks a steady topic with more mentions, and needs at least three mentions", () => {
    const steady = Array.from({ length: 12 }, (_, i) => item(`Kubernetes update number ${i}`, 4 * i + 1, `s${i % 3}`));
    const burst = Array.from({ length: 5 }, (_, i) => item(`Solar storm lights up skies ${i}`, i * 0.5, `s${i % 4}`));
    const noise = [item("Gardening tips", 1), item("Gardening ideas", 2)];
    const ranked = rankTopics([...steady, ...burst, ...noise], now);
    expect(ranked[0]!.term).toBe("solar");
    expect(ranked.map((t) => t.term)).toContain("kubernetes");
    expect(ranked.map((t) => t.term)).not.toContain("gardening");
    expect(ranked.find((t) => t.term === "kubernetes")!.mentions).toBe(12);
  });

  it("more sources make a topic rank higher than one source repeating itself", () => {
    const single = Array.from({ length: 4 }, (_, i) => item(`Acme earnings surprise ${i}`, i, "only"));
    const diverse = Array.from({ length: 4 }, (_, i) => item(`Volcano eruption update ${i}`, i, `src${i}`));
    const ranked = rankTopics([...single, ...diverse], now);
    expect(ranked.findIndex((t) => t.term === "volcano")).toBeLessThan(ranked.findIndex((t) => t.term === "acme"));
  });

  it("merges words of one story into one topic and counts mentions per hour", () => {
    const story = Array.from({ length: 3 }, (_, i) => item(`Mars rover finds water ${i}`, i + 0.5));
    const ranked = rankTopics(story, now);
    expect(ranked).toHaveLength(1);
    expect(ranked[0]).toMatchObject({ term: "mars", related: ["rover", "finds", "water"], mentions: 3 });
    expect(ranked[0]!.hourly).toHaveLength(24);
    expect(ranked[0]!.hourly.slice(-3)).toEqual([1, 1, 1]);
  });

  it("clusters Title Case headlines from different outlets into one topic", () => {
    const ranked = rankTopics([item("Solar Storm Lights Up Skies Over Europe", 1, "a"), item("Northern Lights: Solar Storm Seen As Far South As Spain", 2, "b"), item("How to Photograph the Solar Storm Tonight", 3, "c")], now);
    expect(ranked[0]).toMatchObject({ term: "solar", mentions: 3, sources: 3 });
  });

  it("of two equal bursts, the more recent ranks higher", () => {
    const fresh = Array.from({ length: 4 }, (_, i) => item(`Glacier collapse filmed ${i}`, 0.5 + i * 0.2, `f${i}`));
    const stale = Array.from({ length: 4 }, (_, i) => item(`Comet visible tonight ${i}`, 5 + i * 0.2, `s${i}`));
    const ranked = rankTopics([...stale, ...fresh], now).map((t) => t.term);
    expect(ranked.indexOf("glacier")).toBeLessThan(ranked.indexOf("comet"));
  });

  it("a topic steady at a high rate does not outrank one rising against its own quiet baseline", () => {
    const busy = Array.from({ length: 48 }, (_, i) => item(`Stocks close mixed ${i}`, i + 0.5, `m${i % 4}`));
    const rising = [...Array.from({ length: 2 }, (_, i) => item(`Drought warning issued ${i}`, 30 + i, `d${i}`)), ...Array.from({ length: 6 }, (_, i) => item(`Drought warning extended ${i}`, i * 0.5 + 0.2, `d${i % 4}`))];
    const ranked = rankTopics([...busy, ...rising], now);
    const busyTopic = ranked.find((t) => t.term === "stocks")!;
    const risingTopic = ranked.find((t) => t.term === "drought")!;
    expect(risingTopic).toMatchObject({ mentions: 8, related: ["warning", "extended"] });
    expect(risingTopic.velocity).toBeGreaterThan(busyTopic.velocity);
    expect(ranked.indexOf(risingTopic)).toBeLessThan(ranked.indexOf(busyTopic));
  });

  it("ignores items older than the window", () => {
    expect(rankTopics(Array.from({ length: 5 }, (_, i) => item(`Ancient news ${i}`, 100 + i)), now)).toEqual([]);
  });
});

describe("sparklinePoints", () => {
  it("draws one point per count, scaled to the box", () => {
    const points = sparklinePoints([0, 2, 4], 100, 20).split(" ");
    expect(points).toEqual(["0.0,19.0", "50.0,10.0", "100.0,1.0"]);
  });

  it("draws a flat line for no mentions and a single point for one count", () => {
    expect(sparklinePoints([0, 0, 0], 10, 10)).toBe("0.0,9.0 5.0,9.0 10.0,9.0");
    expect(sparklinePoints([3], 10, 10)).toBe("0.0,1.0");
  });
});
