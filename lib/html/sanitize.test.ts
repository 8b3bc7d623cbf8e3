/**
 * The allowlist against DOMPurify's XSS corpus (../shared/corpora/sanitize/dompurify/expect.json):
 * every output, parsed again, must hold nothing executable (the corpus README's list, plus what this
 * project refuses on top: any data: URL, SVG, MathML, forms and inline styles). Matching DOMPurify's
 * exact output is a secondary measure, logged: this sanitizer is stricter about harmless markup.
 */
import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { sanitizeHtml } from "./sanitize";

const corpora = import.meta.glob("../../../shared/corpora/sanitize/dompurify/expect.json", { query: "?raw", import: "default", eager: true });
const raw = Object.values(corpora)[0] as string | undefined;

type Case = { title?: string; payload: string; expected: string | string[] };

/** Why an HTML fragment could run script, or null when it cannot. */
function danger(html: string): string | null {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (["script", "iframe", "object", "embed", "base", "frame", "frameset", "applet", "form", "input", "button", "style", "link", "svg", "math"].includes(tag)) return `<${tag}>`;
    if (tag === "meta" && el.getAttribute("http-equiv")) return "meta http-equiv";
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\s\u0000-\u001f]+/g, "").toLowerCase();
      if (name.startsWith("on")) return `${name}=`;
      if (name === "srcdoc" || name === "style") return name;
      if (/^(javascript|vbscript|data):/.test(value)) return `${name}=${attr.value}`;
      if (/expression\(|url\(javascript/.test(value)) return `${name} css`;
    }
  }
  return null;
}

describe("sanitizeHtml", () => {
  it("finds the DOMPurify corpus", () => {
    expect(raw, "expected ../shared/corpora/sanitize/dompurify/expect.json next to the project").toBeTypeOf("string");
  });

  const cases = raw ? (JSON.parse(raw) as Case[]) : [];
  it(`leaves nothing executable in any of the ${cases.length} payloads`, () => {
    expect(cases.length).toBeGreaterThan(200);
    const results = cases.map((c) => ({ payload: c.payload, expected: [c.expected].flat(), out: sanitizeHtml(c.payload) }));
    const unsafe = results.filter((r) => danger(r.out) !== null);
    const sameAsDompurify = results.filter((r) => r.expected.includes(r.out)).length;
    console.log(JSON.stringify({ corpus: "dompurify", payloads: cases.length, unsafe: unsafe.length, sameAsDompurify }));
    expect(unsafe.map((r) => `${danger(r.out)} in ${r.out}`)).toEqual([]);
  });

  it("keeps article markup, makes links absolute and safe", () => {
    const out = sanitizeHtml('<h2>Title</h2><p>Read <a href="/more" onclick="x()">more</a><img src="pic.png" alt="A"></p>', { baseUrl: "https://example.com/post/1" });
    expect(out).toBe('<h2>Title</h2><p>Read <a href="https://example.com/more" rel="noopener noreferrer nofollow">more</a><img alt="A" src="https://example.com/post/pic.png" /></p>');
  });

  it("the safety check itself catches what it must", () => {
    for (const bad of ['<a href="javascript:x">', '<img src="data:image/png;base64,AA">', "<p onclick=x>", "<svg></svg>", '<p style="x">', "<iframe></iframe>", '<meta http-equiv="refresh">']) {
      expect(danger(bad), bad).not.toBeNull();
    }
    expect(danger('<p><a href="https://x.example/">x</a></p>')).toBeNull();
  });

  it.each([
    ['<img src="data:image/png;base64,AAAA" alt="x">', ""],
    ['<a href="jav&#x09;ascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'],
    ['<a href="mailto:desk@news.example">write</a>', '<a href="mailto:desk@news.example" rel="noopener noreferrer nofollow">write</a>'],
    ['<form action="/x"><input name="a"><button>go</button></form>', "go"],
    ["<svg><script>alert(1)</script><circle/></svg>text", "text"],
    ['<p style="color:red" class="x" id="y">s</p>', "<p>s</p>"],
    ['<a href="https://x.example" target="_blank">t</a>', '<a href="https://x.example/" rel="noopener noreferrer nofollow">t</a>'],
    ['<pre><code class="language-ts">x</code></pre>', "<pre><code>x</code></pre>"],
    ['<img srcset="a.png 1x" src="https://x.example/a.png" onerror="alert(1)">', '<img src="https://x.example/a.png" />'],
    ['<iframe src="https://x.example/"></iframe><object data="x"></object><embed src="x">', ""],
  ])("%s → %s", (input, output) => {
    expect(sanitizeHtml(input, { baseUrl: "https://base.example/a/" })).toBe(output);
  });

  it("keeps same-site paths and fragments as written when there is no base URL, drops other relative URLs", () => {
    expect(sanitizeHtml('<a href="/about">a</a><a href="#notes">n</a><a href="other">o</a>')).toBe(
      '<a href="/about" rel="noopener noreferrer nofollow">a</a><a href="#notes" rel="noopener noreferrer nofollow">n</a><a rel="noopener noreferrer nofollow">o</a>',
    );
  });

  it("drops script bodies instead of turning them into text", () => {
    expect(sanitizeHtml("<p>a</p><script>alert(1)</script><style>p{}</style>")).toBe("<p>a</p>");
  });
});
