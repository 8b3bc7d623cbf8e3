/**
 * One address per article: the canonical URL drops what only tracks (utm_*, fbclid, gclid, …) or
 * only decorates (fragments, default ports, `index.html`), lower-cases the host, sorts the query,
 * and prefers the page's own rel=canonical when it points at the same site.
 */
import { getDomain } from "tldts";

const TRACKING = [/^utm_/i, /^(fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|li_fat_id|igshid|mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok|oly_enc_id|oly_anon_id|vero_id|rb_clickid|s_cid|ref_src|ref_url|cmpid|spm|ncid|sr_share|ocid|guccounter|guce_referrer|guce_referrer_sig|_branch_match_id)$/i];

/**
 * The canonical form of an http(s) URL, or null for anything else. `relCanonical` (the page's
 * `<link rel=canonical>`, relative or absolute) wins when it is on the same site: a page may name
 * its own clean address, not adopt another site's.
 */
export function canonicalUrl(raw: string, options: { relCanonical?: string | null } = {}): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (options.relCanonical && URL.canParse(options.relCanonical, url)) {
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

/**
 * The same site: the same registrable domain under the Public Suffix List, private suffixes
 * included, so m.example.co.uk ~ www.example.co.uk but alice.github.io ≁ bob.github.io.
 */
function sameSite(a: string, b: string): boolean {
  if (a === b) return true;
  const site = (host: string) => getDomain(host, { allowPrivateDomains: true });
  const [x, y] = [site(a), site(b)];
  return x !== null && x === y;
}
