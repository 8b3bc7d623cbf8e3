import { hasThreads, PLATFORMS, threadProblems, validateVariant, type Platform } from "../../../lib/domain/platforms";
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
    // Unlike the first post, a thread's later posts must fit when saved: a part over the limit has
    // no draft use (the editor shows each part's count), and a platform without threads takes none.
    const bad = threadProblems(v.platform, v.thread ?? []);
    if (bad.length) {
      // Every part in trouble is named, so the editor can point at each.
      const threaded = hasThreads(v.platform);
      const fields = Object.fromEntries(bad.map((b) => [threaded ? `variants.${i}.thread.${b.index}` : `variants.${i}.thread`, b.problems.join("; ")]));
      throw new AppError(422, "invalid_request", Object.entries(fields).map(([field, problem]) => `${field}: ${problem}`).join("; "), fields);
    }
  });
}

/** What keeps variants from being published: each platform's limits, as sentences for a person. */
export function limitProblems(variants: { platform: string; text: string; title: string | null; media: { mime: string }[]; thread?: string[] }[]): string[] {
  return variants.flatMap((v) => (isPlatform(v.platform) ? validateVariant(v.platform, v).map((p) => `${v.platform}: ${p}`) : []));
}
