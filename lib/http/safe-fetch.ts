/**
 * Fetching someone else's URL safely: only http(s); no loopback, private, link-local, CGNAT or
 * cloud-metadata hosts, checked on every redirect hop (at most 5) and, for names, on the addresses
 * they resolve to; a timeout; a size cap read as the body streams; a User-Agent naming the product;
 * conditional GET; and the text decoded with the charset from the headers, the document, or its BOM.
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
  etag?: string | null;
  lastModified?: string | null;
  accept?: string;
  maxBytes?: number;
  timeoutMs?: number;
  resolve?: Resolver;
  /**
   * Lets tests reach fake servers on 127.0.0.1. Off by default, never set from configuration that
   * users control; a test proves the default refuses loopback.
   */
  allowPrivateAddresses?: boolean;
  fetch?: typeof fetch;
};

export type FetchedPage = {
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

async function checkUrl(raw: string, options: SafeFetchOptions): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchRefused(`Refused: “${raw}” is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new FetchRefused(`Refused: the ${url.protocol} scheme is not allowed, only http and https`);
  if (url.username || url.password) throw new FetchRefused("Refused: URLs with credentials are not fetched");
  if (options.allowPrivateAddresses) return url;
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

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new FetchFailed(`The response is ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
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

/** The charset: the Content-Type header first, then a BOM, then the document's own declaration. */
export function detectCharset(contentType: string | null, bytes: Uint8Array): string {
  const fromHeader = contentType?.match(/charset=["']?([\w.:-]+)/i)?.[1];
  if (fromHeader) return fromHeader.toLowerCase();
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 2048));
  const declared = head.match(/<meta[^>]+charset=["']?([\w.:-]+)/i)?.[1] ?? head.match(/<\?xml[^>]+encoding=["']([\w.:-]+)/i)?.[1];
  return declared?.toLowerCase() ?? "utf-8";
}

function decode(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}

export async function safeFetch(raw: string, options: SafeFetchOptions = {}): Promise<FetchedPage> {
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = { "user-agent": USER_AGENT, accept: options.accept ?? "*/*" };
  if (options.etag) headers["if-none-match"] = options.etag;
  if (options.lastModified) headers["if-modified-since"] = options.lastModified;
  let url = await checkUrl(raw, options);
  for (let hop = 0; ; hop++) {
    let response: Response;
    try {
      response = await doFetch(url.href, { headers, redirect: "manual", signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      throw new FetchFailed(timedOut ? `No answer from ${url.host} within ${(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s` : `Could not reach ${url.host}: ${String(err)}`);
    }
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      const location = response.headers.get("location");
      await response.body?.cancel();
      if (!location) throw new FetchFailed(`${url.host} answered ${response.status} without a Location`);
      if (hop + 1 > MAX_REDIRECTS) throw new FetchFailed(`More than ${MAX_REDIRECTS} redirects, stopped at ${url.href}`);
      url = await checkUrl(new URL(location, url).href, options);
      continue;
    }
    const etag = response.headers.get("etag");
    const lastModified = response.headers.get("last-modified");
    if (response.status === 304) {
      return { url: url.href, status: 304, notModified: true, headers: response.headers, bytes: new Uint8Array(), text: "", charset: "utf-8", etag, lastModified };
    }
    const bytes = await readCapped(response, options.maxBytes ?? DEFAULT_MAX_BYTES);
    const charset = detectCharset(response.headers.get("content-type"), bytes);
    return { url: url.href, status: response.status, notModified: false, headers: response.headers, bytes, text: decode(bytes, charset), charset, etag, lastModified };
  }
}
