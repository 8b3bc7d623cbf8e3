import { describe, expect, it } from "vitest";
import { formatLocal, localToInstant } from "./time";

describe("localToInstant", () => {
  it("reads the zone's offset at that instant, on both sides of a DST change", () => {
    expect(localToInstant("2026-03-28T09:00", "Europe/Paris").toISOString()).toBe("2026-03-28T08:00:00.000Z");
    expect(localToInstant("2026-03-30T09:00", "Europe/Paris").toISOString()).toBe("2026-03-30T07:00:00.000Z");
    expect(localToInstant("2026-11-01T09:00", "America/New_York").toISOString()).toBe("2026-11-01T14:00:00.000Z");
    expect(localToInstant("2026-10-31T09:00", "America/New_York").toISOString()).toBe("2026-10-31T13:00:00.000Z");
  });
  it("refuses a wall time the clocks skip, and malformed input", () => {
    expect(() => localToInstant("2026-03-29T02:30", "Europe/Paris")).toThrow(/does not exist/);
    expect(() => localToInstant("tomorrow", "UTC")).toThrow(/date and time/);
  });
  it("keeps seconds, so a post can go out at the second asked", () => {
    expect(localToInstant("2026-07-14T18:45:30", "Asia/Kolkata").toISOString()).toBe("2026-07-14T13:15:30.000Z");
    expect(() => localToInstant("2026-07-14T18:45:61", "Asia/Kolkata")).toThrow(/date and time/);
  });
  it("round-trips with formatLocal", () => {
    const instant = localToInstant("2026-07-14T18:45", "Asia/Kolkata").getTime();
    expect(formatLocal(instant, "Asia/Kolkata")).toBe("2026-07-14T18:45");
  });
});
