/**
 * Fetching someone else's URL safely: only http(s); no loopback, private, link-local, CGNAT or
 * cloud-metadata hosts, checked on every redirect hop (at most 5) and, for names, on the addresses
 * they resolve to; one deadline for the whole fetch; a size cap read as the body streams; a
 * User-Agent naming the product; conditional GET; and the text decoded with the charset of its BOM,
 * its headers or the document itself.
 *
 * What this cannot do: a Worker cannot pin the address it checked for the connection it opens, so a
 * name whose DNS answer changes in between (DNS rebinding) gets past the name check. On Cloudflare's
 * network that still reaches nothing private, because the edge does not route into private networks.
 */
import { refusedAddress, refusedHost } from "./address";

export const USER_AGENT = "ContentEngine/0.1 (+https://github.com/content-engine/content-engine)";
export const MAX_REDIRECTS = 5;
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 15_000;

/** The URL may not be fetched (a refused scheme or host): not worth retrying. */
export class FetchRefused extends Error {
  override name = "FetchRefused";
}
/** The fetch was tried and failed (network, timeout, too large, too many redirects): may be retried. */
export class FetchFailed extends Error {
  override name = "FetchFailed";
}

/** Resolves a host name to its IP addresses; the default asks DNS over HTTPS. */
export type Resolver = (hostname: string) => Promise<string[]>;

export type SafeFetchOptions = {
  /** Validators from the last fetch: sent as If-None-Match / If-Modified-Since. */
  etag?: string | null;
  lastModified?: string | null;
  accept?: string;
  /** Size cap of the body, 5 MB unless set. */
  maxBytes?: number;
  /** Deadline for all hops and the body together, 15 s unless set. */
  timeoutMs?: number;
  /** How names are resolved for the after-DNS check; tests pass a fixed answer. */
  resolve?: Resolver;
  /**
   * Lets tests reach fake servers on this machine (127.0.0.0/8, ::1, localhost), and nothing else
   * private. Off by default and only ever passed by test code, never read from configuration that
   * users control; tests prove the default refuses loopback.
   */
  allowLoopback?: boolean;
  /** The HTTP boundary, for tests that answer without a network. */
  fetch?: typeof fetch;
};

export type FetchedPage = {
  /** Where the content came from, after redirects. */
  url: string;
  status: number;
  notModified: boolean;
  headers: Headers;
  bytes: Uint8Array;
  text: string;
  charset: string;
  etag: string | null;
  lastModified: string | null;
};

/** DNS over HTTPS (Cloudflare's resolver, JSON API): A and AAAA records of a name. */
export const dohResolver: Resolver = async (hostname) => {
  const answers = await Promise.all(
    ["A", "AAAA"].map(async (type) => {
      const response = await fetch(`https://cloudflare-dns.com/dns-query?name=${encodeURIComponent(hostname)}&type=${type}`, { headers: { accept: "application/dns-json" } });
      if (!response.ok) throw new FetchFailed(`DNS lookup of ${hostname} failed (${response.status})`);
      const body = (await response.json()) as { Answer?: { type: number; data: string }[] };
      return (body.Answer ?? []).filter((a) => a.type === 1 || a.type === 28).map((a) => a.data);
    }),
  );
  return answers.flat();
};

const LOOPBACK_HOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)$/;
/** This machine: what `allowLoopback` admits. */
export const isLoopbackHost = (hostname: string) => LOOPBACK_HOST.test(hostname);

/**
 * Throws FetchRefused unless `raw` is an http(s) URL whose host, and every address its name resolves
 * to, is public. Used for each hop here and for each request a rendering browser makes.
 */
export async function assertFetchable(raw: string, options: Pick<SafeFetchOptions, "resolve" | "allowLoopback"> = {}): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchRefused(`Refused: “${raw}” is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new FetchRefused(`Refused: the ${url.protocol} scheme is not allowed, only http and https`);
  if (url.username || url.password) throw new FetchRefused("Refused: URLs with credentials are not fetched");
  if (options.allowLoopback && LOOPBACK_HOST.test(url.hostname)) return url;
  const hostProblem = refusedHost(url);
  if (hostProblem) throw new FetchRefused(`Refused: ${url.hostname} is ${hostProblem}`);
  if (!/^[\d.]+$/.test(url.hostname) && !url.hostname.startsWith("[")) {
    const addresses = await (options.resolve ?? dohResolver)(url.hostname);
    if (addresses.length === 0) throw new FetchFailed(`${url.hostname} has no address`);
    for (const address of addresses) {
      const problem = refusedAddress(address);
      if (problem) throw new FetchRefused(`Refused: ${url.hostname} resolves to ${address}, ${problem}`);
    }
  }
  return url;
}

/** Rejects when the signal aborts, so a body that stops arriving cannot outlast the deadline. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

async function readCapped(response: Response, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new FetchFailed(`The response is ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const deadline = aborted(signal);
  deadline.catch(() => reader.cancel().catch(() => undefined));
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await Promise.race([reader.read(), deadline]);
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new FetchFailed(`The response is over the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The WHATWG name of a charset label (latin1 → windows-1252, …), or null for a label nobody knows. */
function encodingOf(label: string | undefined): string | null {
  if (!label) return null;
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return null;
  }
}

/**
 * The charset of a document, in the order browsers use (WHATWG Encoding, "decode"): a byte order
 * mark wins, then the Content-Type header, then the document's own declaration (`<meta charset>`,
 * `<meta http-equiv="Content-Type">` or an XML declaration) in its first 1024 bytes, else UTF-8.
 * Unknown labels are skipped rather than trusted.
 */
export function detectCharset(contentType: string | null, bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  const fromHeader = encodingOf(contentType?.match(/charset\s*=\s*["']?([\w.:-]+)/i)?.[1]);
  if (fromHeader) return fromHeader;
  const head = new TextDecoder("windows-1252").decode(bytes.subarray(0, 1024));
  const declared = encodingOf(head.match(/<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i)?.[1]) ?? encodingOf(head.match(/^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)/i)?.[1]);
  // A UTF-16 declaration in bytes that just read as ASCII cannot be true (WHATWG: use UTF-8).
  return declared && !declared.startsWith("utf-16") ? declared : "utf-8";
}

/** A body's text in the charset `detectCharset` finds; bytes that do not decode become U+FFFD. */
export function decodeBody(bytes: Uint8Array, contentType: string | null): { text: string; charset: string } {
  const charset = detectCharset(contentType, bytes);
  return { text: new TextDecoder(charset).decode(bytes), charset };
}

/**
 * Fetches a URL from the public web, or refuses to. One deadline (`timeoutMs`) covers every hop and
 * the body; a 304 to a conditional GET comes back as `notModified` with no body.
 * @throws FetchRefused for a URL that may not be fetched (scheme, credentials, a non-public host,
 *   before or after a redirect, or by what its name resolves to).
 * @throws FetchFailed for a fetch that was tried and failed (network, timeout, size, redirects).
 */
export async function safeFetch(raw: string, options: SafeFetchOptions = {}): Promise<FetchedPage> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  const headers: Record<string, string> = { "user-agent": USER_AGENT, accept: options.accept ?? "*/*" };
  if (options.etag) headers["if-none-match"] = options.etag;
  if (options.lastModified) headers["if-modified-since"] = options.lastModified;
  let url = await assertFetchable(raw, options);
  const failure = (err: unknown) =>
    err instanceof FetchFailed || err instanceof FetchRefused
      ? err
      : new FetchFailed(signal.aborted ? `No answer from ${url.host} within ${timeoutMs / 1000} s` : `Could not reach ${url.host}: ${String(err)}`);
  for (let hop = 0; ; hop++) {
    let response: Response;
    try {
      response = await doFetch(url.href, { headers, redirect: "manual", signal });
    } catch (err) {
      throw failure(err);
    }
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      const location = response.headers.get("location");
      await response.body?.cancel();
      if (!location) throw new FetchFailed(`${url.host} answered ${response.status} without a Location`);
      if (hop + 1 > MAX_REDIRECTS) throw new FetchFailed(`More than ${MAX_REDIRECTS} redirects, stopped at ${url.href}`);
      url = await assertFetchable(new URL(location, url).href, options);
      continue;
    }
    const etag = response.headers.get("etag");
    const lastModified = response.headers.get("last-modified");
    if (response.status === 304) {
      await response.body?.cancel();
      return { url: url.href, status: 304, notModified: true, headers: response.headers, bytes: new Uint8Array(), text: "", charset: "utf-8", etag, lastModified };
    }
    let bytes: Uint8Array;
    try {
      bytes = await readCapped(response, options.maxBytes ?? DEFAULT_MAX_BYTES, signal);
    } catch (err) {
      throw failure(err);
    }
    const { text, charset } = decodeBody(bytes, response.headers.get("content-type"));
    return { url: url.href, status: response.status, notModified: false, headers: response.headers, bytes, text, charset, etag, lastModified };
  }
}
