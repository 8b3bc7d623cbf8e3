/**
 * What a status says, from the HTML Mastodon returns for it (`content`): paragraphs and line breaks
 * back to newlines, tags dropped (a link's hidden `https://` and its cut-off tail are spans inside it,
 * so the link comes back whole), entities decoded. Compared with whitespace folded, as Mastodon
 * trims and joins lines its own way.
 */
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

export function statusText(html: string): string {
  return html
    .replace(/<\/p>\s*<p>/gi, "\n\n")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
      if (name[0] === "#") return String.fromCodePoint(name[1]?.toLowerCase() === "x" ? parseInt(name.slice(2), 16) : Number(name.slice(1)));
      return ENTITIES[name.toLowerCase()] ?? whole;
    });
}

export const sameText = (html: string, text: string) => fold(statusText(html)) === fold(text);
const fold = (text: string) => text.normalize("NFC").replace(/\s+/g, " ").trim();
