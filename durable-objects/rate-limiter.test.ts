import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PLATFORMS } from "../lib/domain/platforms";
import { POSTING_LIMITS } from "../workers/publisher/connectors/limits";
import type { RateLimiter } from "./rate-limiter";

const limiter = (name: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));
const T0 = Date.UTC(2026, 10, 23, 12);

describe("posting windows", () => {
  it.each(PLATFORMS)("%s: grants exactly what its tightest window allows, then names the instant it fits again", async (platform) => {
    const { cost, windows } = POSTING_LIMITS[platform];
    const fits = Math.min(...windows.map((w) => Math.floor(w.limit / cost)));
    const tightest = windows.find((w) => Math.floor(w.limit / cost) === fits)!;
    await runInDurableObject(limiter(`${platform}:acc_window`), async (instance: RateLimiter) => {
      for (let i = 0; i < fits; i++) expect(await instance.reserve(cost, windows, T0 + i)).toEqual({ granted: true });
      const refused = await instance.reserve(cost, windows, T0 + fits);
      // The first post ages out of the window one millisecond after the window's length.
      expect(refused).toEqual({ granted: false, retryAt: T0 + tightest.windowMs + 1 });
      expect(await instance.reserve(cost, windows, T0 + tightest.windowMs + 1)).toEqual({ granted: true });
    });
  });

  it("holds every post of the account until the reset a platform's 429 named, then lets them go", async () => {
    const { cost, windows } = POSTING_LIMITS.bluesky;
    await runInDurableObject(limiter("bluesky:acc_blocked"), async (instance: RateLimiter) => {
      await instance.block(T0 + 60_000, "Bluesky's rate limit was reached");
      expect(await instance.reserve(cost, windows, T0)).toEqual({ granted: false, retryAt: T0 + 60_000 });
      // An earlier reset named later does not shorten the block.
      await instance.block(T0 + 30_000, "again");
      expect(await instance.reserve(cost, windows, T0 + 40_000)).toEqual({ granted: false, retryAt: T0 + 60_000 });
      expect(await instance.reserve(cost, windows, T0 + 60_001)).toEqual({ granted: true });
    });
  });

  it("keeps accounts apart", async () => {
    const { cost, windows } = POSTING_LIMITS.tiktok;
    for (let i = 0; i < 15; i++) await limiter("tiktok:acc_a").reserve(cost, windows, T0 + i);
    expect((await limiter("tiktok:acc_a").reserve(cost, windows, T0 + 20)).granted).toBe(false);
    expect((await limiter("tiktok:acc_b").reserve(cost, windows, T0 + 20)).granted).toBe(true);
  });
});
