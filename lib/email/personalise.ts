/**
 * Personalisation tags in subjects and bodies: `{{first_name}}`, `{{first_name|there}}` (a fallback
 * when the field is empty), `{{last_name}}`, `{{email}}`, and the per-recipient links the message
 * needs (`{{unsubscribe_url}}`, `{{preferences_url}}`, tracking). A message is rendered once with
 * its tags in place; each recipient gets a value per tag (`Substitutions`), which providers with
 * server-side substitution (SendGrid) apply themselves and the others get applied here.
 */
export const TAG = /\{\{\s*([a-z_]+(?::\d+)?)\s*(?:\|([^{}]*))?\}\}/g;

/** Fields a tag may name; anything else renders as its fallback. */
export type RecipientFields = { first_name: string | null; last_name: string | null; email: string };

export type Substitutions = Record<string, string>;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);
}

/** Every distinct tag in `template`, as written. */
export function tagsIn(template: string): string[] {
  return [...new Set([...template.matchAll(TAG)].map((m) => m[0]))];
}

/** The value of one tag for one recipient; `links` holds the per-recipient URLs by tag name. */
export function resolveTag(tag: string, fields: RecipientFields, links: Record<string, string>): string {
  TAG.lastIndex = 0;
  const match = TAG.exec(tag);
  TAG.lastIndex = 0;
  if (!match) return tag;
  const [, name, fallback = ""] = match;
  if (name! in links) return links[name!]!;
  const value = name === "first_name" || name === "last_name" || name === "email" ? fields[name]?.trim() : "";
  return value || fallback.trim();
}

/**
 * Tags in a text part are renamed `{{t:…}}` for providers that substitute server-side, so the HTML
 * part (whose values are escaped) and the text part (whose values are not) never share a key.
 */
export const textKey = (tag: string) => `{{t:${tag.slice(2)}`;

/** Substitutions for one recipient: HTML-escaped values under the tag, plain ones under its text key. */
export function substitutionsFor(htmlTags: string[], textTags: string[], fields: RecipientFields, links: Record<string, string>): Substitutions {
  const out: Substitutions = {};
  for (const tag of htmlTags) out[tag] = escapeHtml(resolveTag(tag, fields, links));
  for (const tag of textTags) out[textKey(tag)] = resolveTag(tag, fields, links);
  return out;
}

/** Applies substitutions to a template in one pass (a value is never itself searched for tags). */
export function applySubstitutions(template: string, substitutions: Substitutions): string {
  const keys = Object.keys(substitutions);
  if (keys.length === 0) return template;
  const pattern = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return template.replace(pattern, (key) => substitutions[key]!);
}

/** The text part as providers with server-side substitution receive it (tags renamed, see textKey). */
export const textTemplate = (text: string) => text.replace(TAG, (tag) => textKey(tag));

/** Renders a template for one recipient directly (previews, confirmations, test sends). */
export function personalise(template: string, fields: RecipientFields, links: Record<string, string>, html: boolean): string {
  return template.replace(TAG, (tag) => {
    const value = resolveTag(tag, fields, links);
    return html ? escapeHtml(value) : value;
  });
}
