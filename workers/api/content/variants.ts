import { PLATFORMS, validateVariant, type Platform } from "../../../lib/domain/platforms";
import { AppError } from "../../../lib/http/errors";
import type { VariantInput } from "./inputs";

const isPlatform = (p: string): p is Platform => (PLATFORMS as readonly string[]).includes(p);

/** One variant per known platform. Over-limit text may be saved as a draft; see `limitProblems`. */
export function validateVariants(variants: VariantInput[]): void {
  const seen = new Set<string>();
  variants.forEach((v, i) => {
    if (!isPlatform(v.platform)) {
      throw new AppError(422, "invalid_request", `variants.${i}.platform: must be one of ${PLATFORMS.join(", ")}`, {
        [`variants.${i}.platform`]: `must be one of ${PLATFORMS.join(", ")}`,
      });
    }
    if (seen.has(v.platform)) {
      throw new AppError(422, "invalid_request", `variants.${i}.platform: ${v.platform} appears twice`, { [`variants.${i}.platform`]: "appears twice" });
    }
    seen.add(v.platform);
  });
}

/** What keeps variants from being published: each platform's limits, as sentences for a person. */
export function limitProblems(variants: { platform: string; text: string; title: string | null; media: { mime: string }[] }[]): string[] {
  return variants.flatMap((v) => (isPlatform(v.platform) ? validateVariant(v.platform, v).map((p) => `${v.platform}: ${p}`) : []));
}
