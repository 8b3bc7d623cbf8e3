/**
 * Sanitizing HTML from users and from the web with an allowlist (sanitize-html): article markup
 * only, links and images only over http(s) (mailto for links), relative URLs made absolute against
 * the page they came from, every link opening without access to our page.
 */
import sanitize from "sanitize-html";

const TAGS = [
  "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "img", "figure", "figcaption",
  "blockquote", "pre", "code", "em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup", "mark", "small",
  "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "dl", "dt", "dd", "abbr", "cite", "q", "time", "span", "div",
];

const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:"]);
const IMAGE_SCHEMES = new Set(["http:", "https:"]);

/**
 * The URL as the browser will follow it, or null to drop it. Relative URLs resolve against the page
 * they came from; without one, only same-site paths and fragments stay. Anything that does not end
 * up http(s) or mailto (say, a `javascript:` behind Unicode spaces that sanitize-html lets through)
 * is dropped.
 */
function safeUrl(url: string, baseUrl: string | undefined, schemes: Set<string>): string | null {
  const trimmed = url.trim();
  if (!baseUrl && /^(\/(?!\/)|#)/.test(trimmed)) return trimmed;
  try {
    const resolved = new URL(trimmed, baseUrl);
    return schemes.has(resolved.protocol) ? resolved.href : null;
  } catch {
    return null;
  }
}

/**
 * Article-safe HTML: the allowlisted tags and attributes only, no script, style, frames, forms or
 * event handlers; links and images absolute against `baseUrl` (the page the HTML came from) and
 * limited to http(s) (and mailto for links); every link `rel="noopener noreferrer nofollow"`.
 */
export function sanitizeHtml(html: string, options: { baseUrl?: string } = {}): string {
  return sanitize(html, {
    allowedTags: TAGS,
    allowedAttributes: {
      a: ["href", "title", "rel"],
      img: ["src", "alt", "title", "width", "height"],
      td: ["colspan", "rowspan"],
      th: ["colspan", "rowspan", "scope"],
      time: ["datetime"],
      abbr: ["title"],
      ol: ["start"],
    },
    allowedSchemes: ["http", "https", "mailto"],
    allowedSchemesByTag: { img: ["http", "https"] },
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    // An image whose source was refused is an empty box; drop it.
    exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
    // Contents of these never become text either (a <script> body is not prose).
    nonTextTags: ["script", "style", "textarea", "option", "noscript", "template", "iframe", "object", "svg", "math"],
    transformTags: {
      a: (tagName, attribs) => {
        const { href: given, ...rest } = attribs;
        const href = given ? safeUrl(given, options.baseUrl, SAFE_SCHEMES) : null;
        return { tagName, attribs: { ...rest, ...(href ? { href } : {}), rel: "noopener noreferrer nofollow" } };
      },
      img: (tagName, attribs) => {
        const { src: given, ...rest } = attribs;
        const src = given ? safeUrl(given, options.baseUrl, IMAGE_SCHEMES) : null;
        return { tagName, attribs: src ? { ...rest, src } : rest };
      },
    },
  });
}
