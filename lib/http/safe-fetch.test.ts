import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { refusedHost } from "./address";
import { decodeBody, detectCharset, FetchFailed, FetchRefused, safeFetch, USER_AGENT, type SafeFetchOptions } from "./safe-fetch";

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
    const allowed = await safeFetch("http://127.0.0.1:9999/feed", { fetch: web.fetcher, allowLoopback: true });
    expect(allowed.text).toBe("ok");
    // The allowance covers this machine only: other private and metadata addresses stay refused.
    for (const url of ["http://10.0.0.1/feed", "http://169.254.169.254/latest/meta-data/", "http://[fd00::1]/"]) {
      await expect(safeFetch(url, { fetch: web.fetcher, allowLoopback: true }), url).rejects.toThrow(FetchRefused);
    }
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

describe("deadline", () => {
  it("covers a body that stops arriving, not only the headers", async () => {
    const web = fakeWeb({
      "https://drip.example/": () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode("<rss>"));
            },
          }),
        ),
    });
    await expect(safeFetch("https://drip.example/", options(web, { timeoutMs: 50 }))).rejects.toThrow(new FetchFailed("No answer from drip.example within 0.05 s"));
  });

  it("is one deadline for all redirect hops together", async () => {
    const slowHop = (next: string) => () => new Promise<Response>((resolve) => setTimeout(() => resolve(new Response(null, { status: 302, headers: { location: next } })), 30));
    const web = fakeWeb({ "https://hops.example/a": slowHop("/b"), "https://hops.example/b": slowHop("/c"), "https://hops.example/c": slowHop("/d"), "https://hops.example/d": () => new Response("late") });
    await expect(safeFetch("https://hops.example/a", options(web, { timeoutMs: 60 }))).rejects.toThrow("No answer from hops.example");
  });
});

describe("charset", () => {
  const bytesOf = (...parts: (string | number[])[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...new TextEncoder().encode(p)] : p)));

  it("takes a byte order mark over the header, as browsers do", () => {
    expect(detectCharset("text/html; charset=iso-8859-1", bytesOf([0xef, 0xbb, 0xbf], "<p>é</p>"))).toBe("utf-8");
    expect(detectCharset(null, bytesOf([0xff, 0xfe], [0x68, 0]))).toBe("utf-16le");
  });

  it("reads <meta http-equiv> and the XML declaration when the header says nothing", () => {
    expect(detectCharset("text/html", bytesOf('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'))).toBe("windows-1252");
    expect(detectCharset("application/rss+xml", bytesOf('<?xml version="1.0" encoding="ISO-8859-15"?><rss/>'))).toBe("iso-8859-15");
    expect(decodeBody(bytesOf('<?xml version="1.0" encoding="ISO-8859-1"?><title>F', [0xf6], "rderung</title>"), "text/xml").text).toContain("Förderung");
  });

  it("skips labels nobody knows and a UTF-16 claim in ASCII bytes, falling back to UTF-8", () => {
    expect(detectCharset("text/html; charset=klingon", bytesOf('<meta charset="utf-16"><p>ü</p>'))).toBe("utf-8");
    expect(decodeBody(bytesOf("<p>ü</p>"), "text/html; charset=klingon").text).toBe("<p>ü</p>");
  });
});

describe("address checks beyond the obvious", () => {
  it.each([
    ["http://intranet/", "not a public host name"],
    ["http://router.home.arpa/", "internal host name"],
    ["http://printer.local/", "internal host name"],
    ["http://[2002:7f00:1::]/", "loopback"],
    ["http://[64:ff9b::10.0.0.1]/", "private"],
    ["http://[fe80::1]/", "link-local"],
    ["http://0.0.0.0/", "this network"],
    ["http://127.1/", "loopback"],
    ["http://[::ffff:7f00:1]/", "loopback"],
    ["http://LOCALHOST./", "internal host name"],
  ])("%s is refused (%s)", async (url, reason) => {
    await expect(safeFetch(url, options(fakeWeb({})))).rejects.toThrow(reason);
  });

  it("a redirect to a file: URL is refused on the hop", async () => {
    const web = fakeWeb({ "https://r.example/": () => new Response(null, { status: 301, headers: { location: "file:///etc/passwd" } }) });
    await expect(safeFetch("https://r.example/", options(web))).rejects.toThrow(new FetchRefused("Refused: the file: scheme is not allowed, only http and https"));
  });
});

/** An independent judge of IPv4 addresses: the special-purpose ranges of RFC 6890 and friends, as numbers. */
const NON_PUBLIC_V4: [string, number][] = [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.0.0.0", 24],
  ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4],
];
const toNumber = (dotted: string) => dotted.split(".").reduce((n, b) => n * 256 + Number(b), 0);
const nonPublicV4 = (dotted: string) => NON_PUBLIC_V4.some(([base, bits]) => Math.floor(toNumber(dotted) / 2 ** (32 - bits)) === Math.floor(toNumber(base) / 2 ** (32 - bits)));

describe("numeric tricks (property)", () => {
  const privateV4 = fc.oneof(
    ...NON_PUBLIC_V4.map(([base, bits]) =>
      fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((offset) => {
        const n = toNumber(base) + offset;
        return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255] as const;
      }),
    ),
  );
  const encodings = (b: readonly [number, number, number, number]) => {
    const n = ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
    const hex = (x: number) => x.toString(16);
    return [
      b.join("."),
      String(n),
      `0x${hex(n)}`,
      b.map((x) => `0${x.toString(8)}`).join("."),
      b.map((x) => `0x${hex(x)}`).join("."),
      `${b[0]}.${(b[1] << 16) + (b[2] << 8) + b[3]}`,
      `${b[0]}.${b[1]}.${(b[2] << 8) + b[3]}`,
      `[::ffff:${b.join(".")}]`,
      `[::ffff:${hex((b[0] << 8) + b[1])}:${hex((b[2] << 8) + b[3])}]`,
      `[64:ff9b::${b.join(".")}]`,
      `[2002:${hex((b[0] << 8) + b[1])}:${hex((b[2] << 8) + b[3])}::1]`,
    ];
  };

  it("every encoding of a non-public IPv4 address is refused", () => {
    fc.assert(
      fc.property(privateV4, (bytes) => {
        for (const host of encodings(bytes)) expect(refusedHost(new URL(`http://${host}/`)), host).not.toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it("public IPv4 addresses pass in every encoding", () => {
    fc.assert(
      fc.property(
        fc.ipV4().filter((ip) => !nonPublicV4(ip)),
        (ip) => {
          for (const host of encodings(ip.split(".").map(Number) as unknown as [number, number, number, number])) expect(refusedHost(new URL(`http://${host}/`)), host).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });
});

const urlCorpus = import.meta.glob("../../../shared/corpora/url/urltestdata.json", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

describe("the WHATWG URL corpus (../shared/corpora/url/urltestdata.json)", () => {
  it("finds the corpus next to the project", () => {
    expect(Object.keys(urlCorpus), "expected ../shared/corpora/url/urltestdata.json").toHaveLength(1);
  });

  it("lets no case reach a non-public host or another scheme, however the URL is written", async () => {
    type Case = { input: string; base: string | null; failure?: boolean; hostname?: string };
    const cases = (JSON.parse(Object.values(urlCorpus)[0] ?? "[]") as (Case | string)[]).filter((c): c is Case => typeof c === "object");
    expect(cases.length).toBeGreaterThan(800);
    const web = fakeWeb({});
    const outcomes = { fetched: 0, refused: 0 };
    for (const c of cases) {
      const absolute = c.base === null ? c.input : URL.canParse(c.input, c.base) ? new URL(c.input, c.base).href : c.input;
      try {
        await safeFetch(absolute, options(web));
        outcomes.fetched++;
      } catch (err) {
        expect(err, absolute).toBeInstanceOf(FetchRefused);
        outcomes.refused++;
      }
    }
    for (const request of web.seen) {
      const url = new URL(request.url);
      expect(["http:", "https:"], request.url).toContain(url.protocol);
      expect(url.username + url.password, request.url).toBe("");
      expect(/^\d+\.\d+\.\d+\.\d+$/.test(url.hostname) && nonPublicV4(url.hostname), request.url).toBe(false);
      expect(url.hostname.replace(/\.$/, "").split(".").includes(""), request.url).toBe(false);
      expect(url.hostname === "localhost" || (!url.hostname.startsWith("[") && !url.hostname.includes(".")), request.url).toBe(false);
      expect(/^\[(::1?|::ffff:.*|f[cde].*)\]$/i.test(url.hostname), request.url).toBe(false);
    }
    expect(outcomes.fetched).toBe(web.seen.length);
    expect(outcomes.fetched).toBeGreaterThan(50);
    console.log(JSON.stringify({ corpus: "urltestdata", cases: cases.length, ...outcomes }));
  });
});
