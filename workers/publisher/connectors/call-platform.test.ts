import { afterEach, describe, expect, it, vi } from "vitest";
import { callPlatform, PlatformError } from "./types";

// The network is replaced by a stand-in for fetch that streams like a real connection: the status
// and headers at once, the body only after a while, and the body cut off when the caller's signal
// aborts (what a deadline does to a connection in the middle of an answer). In the tests' outbound
// fakes every answer arrives whole, so they cannot show this.
function streamingFetch(status: number, body: string, bodyAfterMs: number) {
  return vi.spyOn(globalThis, "fetch").mockImplementation(async (_input, init) => {
    const signal = init?.signal ?? undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const timer = setTimeout(() => {
          controller.enqueue(new TextEncoder().encode(body));
          controller.close();
        }, bodyAfterMs);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          controller.error(signal.reason);
        });
      },
    });
    return new Response(stream, { status, headers: { "content-type": "application/json" } });
  });
}

afterEach(() => vi.restoreAllMocks());

describe("callPlatform", () => {
  it("reads the whole answer inside the deadline: a body cut off by it is no answer, never a refusal without its reason", async () => {
    // Bluesky's "no such record" is a 400 whose reason is in the body; cut off, it read as a refusal.
    streamingFetch(400, JSON.stringify({ error: "RecordNotFound", message: "Could not locate record" }), 1000);
    const call = callPlatform("Bluesky", new Request("https://pds.example/xrpc/com.atproto.repo.getRecord"), { timeoutMs: 100, sends: false });
    await expect(call).rejects.toBeInstanceOf(PlatformError);
    await expect(call).rejects.toMatchObject({ kind: "unavailable", message: "Bluesky did not answer within 0.1 s" });
  });

  it("a call that may have changed something counts as unknown when its answer is cut off", async () => {
    streamingFetch(200, JSON.stringify({ uri: "at://x", cid: "y" }), 1000);
    const call = callPlatform("Bluesky", new Request("https://pds.example/xrpc/com.atproto.repo.createRecord", { method: "POST" }), { timeoutMs: 100 });
    await expect(call).rejects.toMatchObject({ kind: "unknown" });
  });

  it("hands back the answer, status, headers and body, when it arrives in time", async () => {
    streamingFetch(400, JSON.stringify({ error: "RecordNotFound" }), 10);
    const response = await callPlatform("Bluesky", new Request("https://pds.example/xrpc/x"), { timeoutMs: 1000, sends: false });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ error: "RecordNotFound" });
  });

  it("keeps answers that have no body as such", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response(null, { status: 204 }));
    const response = await callPlatform("LinkedIn", new Request("https://api.example/x", { method: "PUT" }), { timeoutMs: 1000 });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });
});
