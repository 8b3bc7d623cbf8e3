/**
 * The allowlist against DOMPurify's XSS corpus (../shared/corpora/sanitize/dompurify/expect.json):
 * every output, parsed again, must hold nothing executable. Matching DOMPurify's exact output is not
 * required: this sanitizer is stricter about harmless markup.
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
    if (["script", "iframe", "object", "embed", "base", "frame", "frameset", "applet", "form", "style", "link"].includes(tag)) return `<${tag}>`;
    if (tag === "meta" && el.getAttribute("http-equiv")) return "meta http-equiv";
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\s\u0000-\u001f]+/g, "").toLowerCase();
      if (name.startsWith("on")) return `${name}=`;
      if (name === "srcdoc" || name === "style") return name;
      if (/^(javascript|vbscript):|^data:text\/html/.test(value)) return `${name}=${attr.value}`;
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
    const unsafe = cases.map((c) => ({ payload: c.payload, out: sanitizeHtml(c.payload) })).filter((r) => danger(r.out) !== null);
    expect(unsafe.map((r) => `${danger(r.out)} in ${r.out}`)).toEqual([]);
  });

  it("keeps article markup, makes links absolute and safe", () => {
    const out = sanitizeHtml('<h2>Title</h2><p>Read <a href="/more" onclick="x()">more</a><img src="pic.png" alt="A"></p>', { baseUrl: "https://example.com/post/1" });
    expect(out).toBe('<h2>Title</h2><p>Read <a href="https://example.com/more" rel="noopener noreferrer nofollow">more</a><img alt="A" src="https://example.com/post/pic.png" /></p>');
  });

  it("drops script bodies instead of turning them into text", () => {
    expect(sanitizeHtml("<p>a</p><script>alert(1)</script><style>p{}</style>")).toBe("<p>a</p>");
  });
});
