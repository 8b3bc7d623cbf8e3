/**
 * The editor posts flat form fields (`variant.x.text`, …); these turn them into the same shapes the
 * API accepts, so one zod schema checks both. A platform whose text, title and link are all empty is
 * not part of the item.
 */
import { PLATFORMS } from "../../../lib/domain/platforms";

/** In the editor, a thread's later posts share one textarea, each separated by a line holding only this. */
export const THREAD_SEPARATOR = "---";

/** The posts of a thread textarea: split at separator lines, trimmed, empty ones dropped. */
export function threadFromText(text: string): string[] {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/^[ \t]*---[ \t]*$/m)
    .map((part) => part.trim())
    .filter(Boolean);
}

export function variantsFromForm(form: Record<string, string>) {
  return PLATFORMS.flatMap((platform) => {
    const text = form[`variant.${platform}.text`] ?? "";
    const title = form[`variant.${platform}.title`] ?? "";
    const link = form[`variant.${platform}.link`] ?? "";
    const media = form[`variant.${platform}.media`] ?? "";
    const thread = threadFromText(form[`variant.${platform}.thread`] ?? "");
    if (!text.trim() && !title.trim() && !link.trim() && !media.trim() && thread.length === 0) return [];
    const mediaIds = media.split(/[\s,]+/).filter(Boolean);
    return [{ platform, text, title, link, mediaIds, thread }];
  });
}

export function contentFromForm(form: Record<string, string>) {
  return {
    kind: form.kind,
    version: form.version,
    title: form.title,
    body: form.body ?? "",
    tags: form.tags ?? "",
    campaignId: form.campaignId,
    brandVoice: form.brandVoice,
    variants: variantsFromForm(form),
  };
}
