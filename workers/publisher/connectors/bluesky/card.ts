/**
 * Bluesky shows a link as a card only when the post carries one (`app.bsky.embed.external`): the
 * client that posts reads the page's title, description and image, as bsky.app does when you paste
 * a link. The page is user input, so it is read through the SSRF-safe fetch, with a short deadline;
 * without the page the card is the link alone, and an image too big for a blob (1 MB) is left out.
 */
import { decodeHTML } from "entities";
import { FetchFailed, FetchRefused, safeFetch } from "../../../../lib/http/safe-fetch";

export type PageCard = { uri: string; title: string; description: string; image: { bytes: Uint8Array; mime: string } | null };

const PAGE_DEADLINE_MS = 4_000;
const MAX_THUMB_BYTES = 1_000_000;

/** Open Graph first, then Twitter's tags, then the page's own title and description. */
async function metaOf(html: string): Promise<{ title: string; description: string; image: string | null }> {
  const meta = new Map<string, string>();
  let title = "";
  await new HTMLRewriter()
    .on("meta", {
      element(el) {
        const key = (el.getAttribute("property") ?? el.getAttribute("name"))?.toLowerCase();
        const content = el.getAttribute("content");
        // Attribute values come as written, entities and all.
        if (key && content && !meta.has(key)) meta.set(key, decodeHTML(content).trim());
      },
    })
    .on("title", {
      text(chunk) {
        title += chunk.text;
      },
    })
    .transform(new Response(html))
    .arrayBuffer();
  const first = (...keys: string[]) => keys.map((k) => meta.get(k)).find(Boolean) ?? "";
  return {
    title: first("og:title", "twitter:title") || decodeHTML(title).trim(),
    description: first("og:description", "twitter:description", "description"),
    image: first("og:image", "og:image:url", "twitter:image") || null,
  };
}

export async function readCard(link: string): Promise<PageCard> {
  const bare: PageCard = { uri: link, title: new URL(link).hostname, description: "", image: null };
  let page;
  try {
    page = await safeFetch(link, { accept: "text/html", timeoutMs: PAGE_DEADLINE_MS, maxBytes: 2_000_000 });
  } catch (err) {
    if (err instanceof FetchFailed || err instanceof FetchRefused) return bare;
    throw err;
  }
  if (page.status >= 400 || !/html/i.test(page.headers.get("content-type") ?? "")) return bare;
  const found = await metaOf(page.text);
  let image: PageCard["image"] = null;
  if (found.image) {
    try {
      const picture = await safeFetch(new URL(found.image, page.url).href, { accept: "image/*", timeoutMs: PAGE_DEADLINE_MS, maxBytes: MAX_THUMB_BYTES });
      const mime = (picture.headers.get("content-type") ?? "").split(";")[0]!.trim();
      if (picture.status < 400 && /^image\/(jpeg|png|webp|gif)$/.test(mime)) image = { bytes: picture.bytes, mime };
    } catch (err) {
      if (!(err instanceof FetchFailed || err instanceof FetchRefused)) throw err;
    }
  }
  return { uri: link, title: found.title.slice(0, 300) || bare.title, description: found.description.slice(0, 1000), image };
}
