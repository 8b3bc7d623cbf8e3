/**
 * Structured logs: one JSON object per line (`level`, `event`, `time`, `requestId`, `worker`, then
 * the event's own fields), which Workers Logs indexes field by field. The request id comes from an
 * AsyncLocalStorage context rather than from parameters, so a line written deep inside a service, a
 * queue consumer or a cron sweep carries the id of the request (or message, or run) that caused it
 * without every function in between passing it along. An id travels between Workers in queue
 * message bodies (lib/queues/messages.ts: `stamped`, `withMessageContext`).
 */
import { AsyncLocalStorage } from "node:async_hooks";

export type Level = "info" | "warn" | "error";
export type Fields = Record<string, unknown>;

type RequestContext = { requestId: string };

const storage = new AsyncLocalStorage<RequestContext>();

/** Which Worker writes the lines: set once by each Worker's entry module (one Worker per isolate). */
let workerName = "unknown";
export function setWorkerName(name: string): void {
  workerName = name;
}

/** The id of the request, message or run this code is working for; undefined outside any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Runs `fn` (and everything it awaits, timers and promises included) with `requestId` as the current id. */
export function withRequestContext<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

export const newRequestId = (): string => crypto.randomUUID();

/**
 * An id from outside (an `X-Request-Id` header, a queue message) is kept only if it is a plain token
 * of reasonable length: it ends up in every log line and in response headers, so no spaces, quotes,
 * control characters or kilobytes of text.
 */
export function saneRequestId(value: unknown): string | undefined {
  return typeof value === "string" && /^[A-Za-z0-9._:@/+=-]{1,128}$/.test(value) ? value : undefined;
}

/** Errors become their name, message and stack (and cause); JSON.stringify would write `{}`. */
function serializeError(error: Error, depth = 0): Fields {
  const out: Fields = { name: error.name, message: error.message, stack: error.stack };
  if (error.cause !== undefined && depth < 3) out.cause = error.cause instanceof Error ? serializeError(error.cause, depth + 1) : String(error.cause);
  return out;
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return serializeError(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** The line as written; exported for tests. Fields never override the envelope. */
export function formatLine(level: Level, event: string, fields: Fields = {}, now = new Date()): string {
  const envelope = { level, event, time: now.toISOString(), requestId: currentRequestId() ?? null, worker: workerName };
  const rest = withoutEnvelope(fields);
  try {
    return JSON.stringify({ ...envelope, ...rest }, replacer);
  } catch {
    // A field that cannot be serialized (a cycle) costs that field only, not the line.
    const kept = Object.fromEntries(
      Object.entries(rest).map(([key, value]) => {
        try {
          JSON.stringify(value, replacer);
          return [key, value];
        } catch (err) {
          return [key, `[unserializable: ${err instanceof Error ? err.message : String(err)}]`];
        }
      }),
    );
    return JSON.stringify({ ...envelope, ...kept }, replacer);
  }
}

// Key order: the envelope first, then the fields; an envelope key among the fields is dropped.
const ENVELOPE = new Set(["level", "event", "time", "requestId", "worker"]);
function withoutEnvelope(fields: Fields): Fields {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !ENVELOPE.has(key)));
}

function write(level: Level, event: string, fields?: Fields): void {
  const line = formatLine(level, event, fields);
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export const log = {
  info: (event: string, fields?: Fields) => write("info", event, fields),
  warn: (event: string, fields?: Fields) => write("warn", event, fields),
  error: (event: string, fields?: Fields) => write("error", event, fields),
};
