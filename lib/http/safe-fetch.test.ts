import { describe, expect, it } from "vitest";
import { FetchFailed, FetchRefused, safeFetch, USER_AGENT, type SafeFetchOptions } from "./safe-fetch";

/** An HTTP boundary that answers from a table and records what it was asked. */
function fakeWeb(routes: Record<string, (request: Request) => Response | Promise<Response>>) {
  const seen: Request[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push(request);
    const route = routes[request.url];
    if (!route) return new Response("not found", { status: 404 });
    return route(request);
  }) as typeof fetch;
  return { fetcher, seen };
}

const publicDns = async () => ["93.184.215.14"];
const options = (web: ReturnType<typeof fakeWeb>, extra: SafeFetchOptions = {}): SafeFetchOptions => ({ fetch: web.fetcher, resolve: publicDns, ...extra });

describe("SSRF refusals", () => {
  const refused = [
    ["http://10.0.0.5/", "private"],
    ["http://127.0.0.1:8787/", "loopback"],
    ["http://localhost/", "internal host name"],
    ["http://api.localhost/", "internal host name"],
    ["http://[::1]/", "loopback"],
    ["http://[::ffff:127.0.0.1]/", "loopback"],
    ["http://[fd00:ec2::254]/latest/meta-data", "unique-local"],
    ["http://2130706433/", "loopback"],
    ["http://0x7f.1/", "loopback"],
    ["http://0177.0.0.1/", "loopback"],
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["http://metadata.google.internal/computeMetadata/v1/", "internal host name"],
    ["http://100.64.1.1/", "carrier-grade NAT"],
    ["http://192.168.1.1/", "private"],
    ["file:///etc/passwd", "scheme"],
    ["ftp://example.com/", "scheme"],
    ["gopher://example.com/", "scheme"],
    ["http://user:pw@example.com/", "credentials"],
  ] as const;

  it.each(refused)("%s is refused (%s) without any request made", async (url, reason) => {
    const web = fakeWeb({});
    await expect(safeFetch(url, options(web))).rejects.toThrow(FetchRefused);
    await expect(safeFetch(url, options(web))).rejects.toThrow(reason);
    expect(web.seen).toHaveLength(0);
  });

  it("refuses a name that resolves to a private address", async () => {
    const web = fakeWeb({ "http://sneaky.example/": () => new Response("secret") });
    await expect(safeFetch("http://sneaky.example/", { fetch: web.fetcher, resolve: async () => ["10.1.2.3"] })).rejects.toThrow("resolves to 10.1.2.3, a private address");
    expect(web.seen).toHaveLength(0);
  });

  it("refuses a redirect to a private address, after the redirect", async () => {
    const web = fakeWeb({ "https://news.example/feed": () => new Response(null, { status: 302, headers: { location: "http://127.0.0.1/admin" } }) });
    await expect(safeFetch("https://news.example/feed", options(web))).rejects.toThrow("127.0.0.1 is a loopback address");
    expect(web.seen.map((r) => r.url)).toEqual(["https://news.example/feed"]);
  });

  it("the allowance for local fake servers is off by default", async () => {
    const web = fakeWeb({ "http://127.0.0.1:9999/feed": () => new Response("ok") });
    await expect(safeFetch("http://127.0.0.1:9999/feed", { fetch: web.fetcher })).rejects.toThrow(FetchRefused);
    const allowed = await safeFetch("http://127.0.0.1:9999/feed", { fetch: web.fetcher, allowPrivateAddresses: true });
    expect(allowed.text).toBe("ok");
  });
});

describe("fetching", () => {
  it("names the product, follows up to 5 redirects and stops after", async () => {
    const hops: Record<string, () => Response> = {};
    for (let i = 0; i < 7; i++) hops[`https://a.example/${i}`] = () => new Response(null, { status: 301, headers: { location: `/${i + 1}` } });
    hops["https://a.example/5"] = () => new Response("arrived");
    const web = fakeWeb(hops);
    const page = await safeFetch("https://a.example/0", options(web));
    expect(page).toMatchObject({ url: "https://a.example/5", text: "arrived" });
    expect(web.seen[0]!.headers.get("user-agent")).toBe(USER_AGENT);
    hops["https://a.example/5"] = () => new Response(null, { status: 301, headers: { location: "/6" } });
    await expect(safeFetch("https://a.example/0", options(fakeWeb(hops)))).rejects.toThrow("More than 5 redirects");
  });

  it("sends the validators and reports 304 as not modified", async () => {
    const web = fakeWeb({
      "https://blog.example/feed.xml": (r) =>
        r.headers.get("if-none-match") === '"v1"' ? new Response(null, { status: 304, headers: { etag: '"v1"' } }) : new Response("<rss/>", { headers: { etag: '"v1"' } }),
    });
    const first = await safeFetch("https://blog.example/feed.xml", options(web));
    expect(first).toMatchObject({ status: 200, notModified: false, etag: '"v1"' });
    const second = await safeFetch("https://blog.example/feed.xml", options(web, { etag: first.etag, lastModified: "Mon, 23 Nov 2026 08:00:00 GMT" }));
    expect(second).toMatchObject({ status: 304, notModified: true });
    expect(web.seen[1]!.headers.get("if-modified-since")).toBe("Mon, 23 Nov 2026 08:00:00 GMT");
  });

  it("stops reading past the size cap, declared or not", async () => {
    const big = new Uint8Array(2048);
    const declared = fakeWeb({ "https://x.example/": () => new Response(big, { headers: { "content-length": "2048" } }) });
    await expect(safeFetch("https://x.example/", options(declared, { maxBytes: 1024 }))).rejects.toThrow(FetchFailed);
    const streamed = fakeWeb({
      "https://x.example/": () =>
        new Response(
          new ReadableStream({
            start(controller) {
              for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(512));
              controller.close();
            },
          }),
        ),
    });
    await expect(safeFetch("https://x.example/", options(streamed, { maxBytes: 1024 }))).rejects.toThrow("over the 1024-byte limit");
  });

  it("times out a server that does not answer", async () => {
    const web = fakeWeb({
      "https://slow.example/": (r) =>
        new Promise<Response>((_, reject) => r.signal.addEventListener("abort", () => reject(new DOMException("timed out", "TimeoutError")))),
    });
    await expect(safeFetch("https://slow.example/", options(web, { timeoutMs: 50 }))).rejects.toThrow("No answer from slow.example within 0.05 s");
  });

  it("decodes with the charset of the header, else of the document", async () => {
    const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9]);
    const header = fakeWeb({ "https://fr.example/": () => new Response(latin1, { headers: { "content-type": "text/plain; charset=ISO-8859-1" } }) });
    expect((await safeFetch("https://fr.example/", options(header))).text).toBe("café");
    const meta = new Uint8Array([...new TextEncoder().encode('<meta charset="windows-1252"><p>'), 0x93, 0x68, 0x69, 0x94]);
    const doc = fakeWeb({ "https://fr.example/": () => new Response(meta, { headers: { "content-type": "text/html" } }) });
    const page = await safeFetch("https://fr.example/", options(doc));
    expect(page.charset).toBe("windows-1252");
    expect(page.text.endsWith("“hi”")).toBe(true);
  });
});
