/**
 * Rich text on Bluesky is plain text plus facets: byte ranges (UTF-8, not characters) that are links,
 * mentions (resolved to the account's DID) or hashtags. Without them a link is not clickable and a
 * mention notifies nobody.
 */
import { findUrls } from "../../../../lib/domain/platforms";

export type Facet = {
  index: { byteStart: number; byteEnd: number };
  features: ({ $type: "app.bsky.richtext.facet#link"; uri: string } | { $type: "app.bsky.richtext.facet#mention"; did: string } | { $type: "app.bsky.richtext.facet#tag"; tag: string })[];
};

const bytes = (text: string) => new TextEncoder().encode(text).byteLength;
const span = (text: string, start: number, end: number) => ({ byteStart: bytes(text.slice(0, start)), byteEnd: bytes(text.slice(0, end)) });

// Handles are domain names; a mention is `@` + handle not preceded by a word character (not an email).
const MENTION = /(^|[\s(])@([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+)/g;
// Bluesky's hashtag rule: `#` then up to 64 characters, not all digits, trailing punctuation dropped.
const HASHTAG = /(^|\s)[#＃]((?!\ufe0f)[^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]*[^\d\s\p{P}\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]+[^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]*)?/gu;

export async function facetsOf(text: string, resolveHandle: (handle: string) => Promise<string | null>): Promise<Facet[]> {
  const facets: Facet[] = [];
  for (const url of findUrls(text)) {
    const uri = /^https?:\/\//i.test(url.url) ? url.url : `https://${url.url}`;
    facets.push({ index: span(text, url.start, url.end), features: [{ $type: "app.bsky.richtext.facet#link", uri }] });
  }
  for (const match of text.matchAll(MENTION)) {
    const handle = match[2]!.toLowerCase();
    const did = await resolveHandle(handle);
    if (!did) continue;
    const start = match.index! + match[1]!.length;
    facets.push({ index: span(text, start, start + 1 + match[2]!.length), features: [{ $type: "app.bsky.richtext.facet#mention", did }] });
  }
  for (const match of text.matchAll(HASHTAG)) {
    if (!match[2]) continue;
    const tag = match[2].replace(/\p{P}+$/gu, "");
    if (!tag || tag.length > 64) continue;
    const start = match.index! + match[1]!.length;
    facets.push({ index: span(text, start, start + 1 + tag.length), features: [{ $type: "app.bsky.richtext.facet#tag", tag }] });
  }
  return facets.sort((a, b) => a.index.byteStart - b.index.byteStart);
}
