import { afterEach, describe, expect, it, vi } from "vitest";
import { currentRequestId, formatLine, log, saneRequestId, setWorkerName, withRequestContext } from "./log";

afterEach(() => vi.restoreAllMocks());

/** The lines written to console.log / warn / error during `fn`, parsed. */
async function captured(fn: () => unknown): Promise<{ method: string; line: Record<string, unknown> }[]> {
  const lines: { method: string; line: Record<string, unknown> }[] = [];
  for (const method of ["log", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((text: unknown) => void lines.push({ method, line: JSON.parse(String(text)) }));
  }
  await fn();
  return lines;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("the log line", () => {
  it("is one JSON object: envelope first, then the event's fields", () => {
    setWorkerName("api");
    const text = formatLine("info", "source_run", { sourceId: "src_1", items: 3 }, new Date("2026-11-23T10:00:00.000Z"));
    expect(text).not.toContain("\n");
    expect(JSON.parse(text)).toEqual({ level: "info", event: "source_run", time: "2026-11-23T10:00:00.000Z", requestId: null, worker: "api", sourceId: "src_1", items: 3 });
    expect(Object.keys(JSON.parse(text)).slice(0, 5)).toEqual(["level", "event", "time", "requestId", "worker"]);
  });

  it("does not let a field overwrite the envelope", () => {
    const line = JSON.parse(withRequestContext("req-1", () => formatLine("warn", "x", { level: "info", event: "y", requestId: "forged", worker: "z", kept: true })));
    expect(line).toMatchObject({ level: "warn", event: "x", requestId: "req-1", kept: true });
    expect(line.worker).not.toBe("z");
  });

  it("writes each level to its console method", async () => {
    const lines = await captured(() => {
      log.info("a");
      log.warn("b");
      log.error("c");
    });
    expect(lines.map((l) => [l.method, l.line.level, l.line.event])).toEqual([
      ["log", "info", "a"],
      ["warn", "warn", "b"],
      ["error", "error", "c"],
    ]);
  });

  it("serializes errors with their message, stack and cause", async () => {
    const cause = new TypeError("socket closed");
    const [entry] = await captured(() => log.error("arm_failed", { publicationId: "pub_1", error: new Error("D1 unavailable", { cause }) }));
    const error = entry!.line.error as Record<string, unknown>;
    expect(error.name).toBe("Error");
    expect(error.message).toBe("D1 unavailable");
    expect(String(error.stack)).toContain("D1 unavailable");
    expect(error.cause).toMatchObject({ name: "TypeError", message: "socket closed" });
    expect(entry!.line.publicationId).toBe("pub_1");
  });

  it("loses only the field that cannot be serialized, not the line", async () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const [entry] = await captured(() => log.info("cyclic", { loop, big: 1n, sourceId: "src_1" }));
    expect(entry!.line).toMatchObject({ level: "info", event: "cyclic", big: "1", sourceId: "src_1" });
    expect(String(entry!.line.loop)).toMatch(/^\[unserializable: .*(circular|cyclic)/i);
  });
});

describe("the request context", () => {
  it("follows the work across awaits and timers, and ends with it", async () => {
    expect(currentRequestId()).toBeUndefined();
    const lines = await captured(() =>
      withRequestContext("req-abc", async () => {
        log.info("before");
        await tick();
        await Promise.resolve();
        log.info("after_await");
        await new Promise<void>((resolve) => setTimeout(() => (log.info("in_timer"), resolve()), 1));
      }),
    );
    expect(lines.map((l) => [l.line.event, l.line.requestId])).toEqual([
      ["before", "req-abc"],
      ["after_await", "req-abc"],
      ["in_timer", "req-abc"],
    ]);
    expect(currentRequestId()).toBeUndefined();
  });

  it("keeps concurrent requests apart", async () => {
    const lines = await captured(() =>
      Promise.all(
        ["one", "two", "three"].map((id, i) =>
          withRequestContext(id, async () => {
            for (let step = 0; step < 3; step++) {
              await new Promise((resolve) => setTimeout(resolve, (3 - i) * 2));
              log.info("step", { expected: id, step });
            }
          }),
        ),
      ),
    );
    expect(lines).toHaveLength(9);
    for (const { line } of lines) expect(line.requestId).toBe(line.expected);
  });

  it("nests: an inner context wins inside, the outer one resumes after", async () => {
    const ids = await withRequestContext("outer", async () => {
      const inner = await withRequestContext("inner", async () => (await tick(), currentRequestId()));
      return [inner, currentRequestId()];
    });
    expect(ids).toEqual(["inner", "outer"]);
  });
});

describe("ids from outside", () => {
  it("keeps plain tokens and refuses anything else", () => {
    for (const ok of ["8f1b2c3d4e5f6a7b-CDG", "0b9a7c5e-2f1d-4c3b-9a8e-7d6c5b4a3f21", "job:42/retry", "a"]) expect(saneRequestId(ok)).toBe(ok);
    for (const bad of ["", "has space", 'quote"d', "new\nline", "x".repeat(129), "<script>", 42, null, undefined]) expect(saneRequestId(bad)).toBeUndefined();
  });
});
