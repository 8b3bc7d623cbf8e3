/**
 * The editor posts flat form fields (`variant.x.text`, …); these turn them into the same shapes the
 * API accepts, so one zod schema checks both. A platform whose text, title and link are all empty is
 * not part of the item.
 */
import { PLATFORMS } from "../../../lib/domain/platforms";

export function variantsFromForm(form: Record<string, string>) {
  return PLATFORMS.flatMap((platform) => {
    const text = form[`variant.${platform}.text`] ?? "";
    const title = form[`variant.${platform}.title`] ?? "";
    const link = form[`variant.${platform}.link`] ?? "";
    const media = form[`variant.${platform}.media`] ?? "";
    if (!text.trim() && !title.trim() && !link.trim() && !media.trim()) return [];
    const mediaIds = media.split(/[\s,]+/).filter(Boolean);
    return [{ platform, text, title, link, mediaIds }];
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
