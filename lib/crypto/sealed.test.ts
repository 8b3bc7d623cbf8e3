import { describe, expect, it } from "vitest";
import { seal, unseal } from "./sealed";

const context = { secret: "a-worker-secret-of-enough-length-0123456789", purpose: "oauth-tokens", rowId: "acc_1" };

describe("sealed secrets", () => {
  it("round-trips, with a fresh IV each time and no plaintext in the stored form", async () => {
    const a = await seal(context, "token-ABC");
    const b = await seal(context, "token-ABC");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain("token-ABC");
    expect(await unseal(context, a)).toBe("token-ABC");
  });

  it("does not open for another row, purpose or secret, or when altered", async () => {
    const stored = await seal(context, "token-ABC");
    await expect(unseal({ ...context, rowId: "acc_2" }, stored)).rejects.toThrow();
    await expect(unseal({ ...context, purpose: "ai-provider-keys" }, stored)).rejects.toThrow();
    await expect(unseal({ ...context, secret: "another-secret-of-enough-length-0123456789" }, stored)).rejects.toThrow();
    const [v, iv, data] = stored.split(".");
    const flipped = `${v}.${iv}.${data!.slice(0, -2)}${data!.endsWith("AA") ? "AB" : "AA"}`;
    await expect(unseal(context, flipped)).rejects.toThrow();
    await expect(unseal(context, "plain")).rejects.toThrow("Unknown sealed-secret format");
  });
});
