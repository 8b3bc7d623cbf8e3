import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

describe("renderMarkdown", () => {
  it("renders headings, emphasis, lists, links and code", () => {
    const html = renderMarkdown(["# Launch", "", "Some *new* **things**:", "", "- one", "- two", "", "1. first", "", "[docs](https://example.com/docs)", "", "`inline` and", "", "```ts", "const a = 1 < 2;", "```"].join("\n"));
    expect(html).toContain("<h1>Launch</h1>");
    expect(html).toContain("<em>new</em> <strong>things</strong>");
    expect(html).toContain("<ul>\n<li>one</li>\n<li>two</li>\n</ul>");
    expect(html).toContain("<ol>\n<li>first</li>\n</ol>");
    expect(html).toContain('<a href="https://example.com/docs" rel="noopener noreferrer nofollow">docs</a>');
    expect(html).toContain("<code>inline</code>");
    expect(html).toContain("<pre><code>const a = 1 &lt; 2;\n</code></pre>");
  });

  it("renders GitHub-flavoured tables and strikethrough", () => {
    const html = renderMarkdown("| a | b |\n| - | - |\n| 1 | 2 |\n\n~~gone~~");
    expect(html).toContain("<table>");
    expect(html).toContain("<td>1</td>");
    expect(html).toContain("<del>gone</del>");
  });

  it("removes scripts, event handlers and javascript: URLs, whatever the Markdown hides them in", () => {
    const attacks = [
      "<script>alert(1)</script>",
      "[x](javascript:alert(1))",
      "[x](JaVaScRiPt:alert(1))",
      "[x](&#106;avascript:alert(1))",
      "<img src=x onerror=alert(1)>",
      "![a](javascript:alert(1))",
      '<a href="javascript:alert(1)">x</a>',
      "<iframe src=https://evil.example></iframe>",
      '<svg onload="alert(1)"></svg>',
      "<style>body{display:none}</style>",
      '<p style="background:url(javascript:alert(1))">x</p>',
      "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
      '<form action="https://evil.example"><button>go</button></form>',
    ];
    for (const attack of attacks) {
      const html = renderMarkdown(attack);
      expect(html, attack).not.toMatch(/<script|<iframe|<svg|<style|<form|<button|\son\w+=|javascript:|data:text|style=/i);
    }
  });

  it("keeps the harmless text around removed markup", () => {
    expect(renderMarkdown("Hello <script>alert(1)</script>world")).toBe("<p>Hello world</p>\n");
    expect(renderMarkdown("<b onclick=\"x()\">bold</b>")).toBe("<p><b>bold</b></p>\n");
  });
});
