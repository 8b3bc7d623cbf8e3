import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const domain = (host: string) => env.DOMAIN_POLITENESS.get(env.DOMAIN_POLITENESS.idFromName(host));

describe("DomainPoliteness", () => {
  it("spaces requests to one domain at least a second apart, across callers", async () => {
    const now = Date.now();
    const waits = await Promise.all(Array.from({ length: 5 }, () => domain("news.example").reserve(undefined, now)));
    expect(waits.sort((a, b) => a - b)).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it("keeps domains independent, and honours a longer crawl delay", async () => {
    const now = Date.now();
    expect(await domain("a.example").reserve(5000, now)).toBe(0);
    expect(await domain("a.example").reserve(5000, now)).toBe(5000);
    expect(await domain("b.example").reserve(undefined, now)).toBe(0);
  });

  it("never allows faster than the default, even if asked", async () => {
    const now = Date.now();
    await domain("c.example").reserve(10, now);
    expect(await domain("c.example").reserve(10, now)).toBe(1000);
  });

  it("a slot in the past costs no wait", async () => {
    const stub = domain("d.example");
    await stub.reserve(undefined, Date.now() - 60_000);
    expect(await stub.reserve()).toBe(0);
  });
});
