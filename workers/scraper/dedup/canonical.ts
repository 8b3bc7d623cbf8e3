/**
 * One address per article: the canonical URL drops what only tracks (utm_*, fbclid, gclid, …) or
 * only decorates (fragments, default ports, `index.html`), lower-cases the host, sorts the query,
 * and prefers the page's own rel=canonical when it points at the same site.
 */

const TRACKING = [/^utm_/i, /^(fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|li_fat_id|igshid|mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok|oly_enc_id|oly_anon_id|vero_id|rb_clickid|s_cid|ref_src|ref_url|cmpid|spm)$/i];

export function canonicalUrl(raw: string, options: { relCanonical?: string | null } = {}): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (options.relCanonical) {
    const preferred = canonicalUrl(new URL(options.relCanonical, url).href);
    if (preferred && sameSite(new URL(preferred).hostname, url.hostname)) return preferred;
  }
  url.hash = "";
  url.username = "";
  url.password = "";
  url.hostname = url.hostname.toLowerCase().replace(/\.$/, "");
  if ((url.protocol === "http:" && url.port === "80") || (url.protocol === "https:" && url.port === "443")) url.port = "";
  const kept = [...url.searchParams].filter(([key]) => !TRACKING.some((pattern) => pattern.test(key)));
  kept.sort(([a, va], [b, vb]) => (a === b ? va.localeCompare(vb) : a.localeCompare(b)));
  url.search = new URLSearchParams(kept).toString();
  url.pathname = url.pathname.replace(/\/index\.(html?|php)$/i, "/").replace(/\/{2,}/g, "/");
  return url.href;
}

/** The same registrable-ish site: equal hosts, or one a subdomain of the other (www.x.com ~ x.com). */
function sameSite(a: string, b: string): boolean {
  const strip = (h: string) => h.toLowerCase().replace(/^www\./, "");
  const [x, y] = [strip(a), strip(b)];
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
}
