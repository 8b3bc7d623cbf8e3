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

function absolute(url: string, baseUrl: string | undefined): string | null {
  try {
    return new URL(url, baseUrl).href;
  } catch {
    return null;
  }
}

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
    // Contents of these never become text either (a <script> body is not prose).
    nonTextTags: ["script", "style", "textarea", "option", "noscript", "template", "iframe", "object", "svg", "math"],
    transformTags: {
      a: (tagName, attribs) => {
        const href = attribs.href ? absolute(attribs.href, options.baseUrl) : null;
        return { tagName, attribs: { ...attribs, ...(href ? { href } : {}), rel: "noopener noreferrer nofollow" } };
      },
      img: (tagName, attribs) => {
        const src = attribs.src ? absolute(attribs.src, options.baseUrl) : null;
        const { src: _, ...rest } = attribs;
        return { tagName, attribs: src ? { ...rest, src } : rest };
      },
    },
  });
}
