import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type LoginThrottle, MAX_FAILURES, WINDOW_MS } from "./login-throttle";

const throttle = (key: string) => env.LOGIN_THROTTLE.get(env.LOGIN_THROTTLE.idFromName(key));

describe("LoginThrottle", () => {
  it("blocks at the limit and frees the key once the oldest failures leave the window", async () => {
    const stub = throttle("email:window@example.com");
    const start = Date.now();
    for (let i = 0; i < MAX_FAILURES - 1; i++) expect((await stub.recordFailure(start + i * 1000)).blocked).toBe(false);
    const blocked = await stub.recordFailure(start + 60_000);
    expect(blocked).toEqual({ blocked: true, retryAfterSeconds: Math.ceil((start + WINDOW_MS - (start + 60_000)) / 1000) });
    // One second after the first failure expires, nine remain: below the limit again.
    expect((await stub.check(start + WINDOW_MS + 1)).blocked).toBe(false);
  });

  it("clear() forgives every failure", async () => {
    const stub = throttle("email:clear@example.com");
    for (let i = 0; i < MAX_FAILURES; i++) await stub.recordFailure();
    expect((await stub.check()).blocked).toBe(true);
    await stub.clear();
    expect((await stub.check()).blocked).toBe(false);
  });

  it("its alarm deletes old failures, and running it twice is harmless", async () => {
    const stub = throttle("ip:203.0.113.9");
    const old = Date.now() - WINDOW_MS - 5_000;
    await stub.recordFailure(old);
    await stub.recordFailure(Date.now());
    // Set in the future so it does not fire on its own; runDurableObjectAlarm runs it now.
    await runInDurableObject(stub, async (_instance: LoginThrottle, state) => {
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, async (_instance: LoginThrottle, state) => {
      expect(state.storage.sql.exec("SELECT COUNT(*) AS n FROM failures").one().n).toBe(1);
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, async (_instance: LoginThrottle, state) => {
      expect(state.storage.sql.exec("SELECT COUNT(*) AS n FROM failures").one().n).toBe(1);
      // The next alarm is set for when the remaining failure expires.
      expect(await state.storage.getAlarm()).toBeGreaterThan(Date.now() + WINDOW_MS - 60_000);
    });
  });
});
