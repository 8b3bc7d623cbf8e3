/**
 * What generation costs: US dollars per million input and output tokens, and per image. These are
 * starting values from the providers' public price lists (late 2026, rounded); each workspace edits
 * its own table (model_prices), which wins over these. A model in neither costs 0 and says so.
 */
export type Price = { inputPerMillion: number; outputPerMillion: number; perImage: number };

export const DEFAULT_PRICES: Record<string, Price> = {
  "gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6, perImage: 0 },
  "gpt-4o": { inputPerMillion: 2.5, outputPerMillion: 10, perImage: 0 },
  "gpt-4.1-mini": { inputPerMillion: 0.4, outputPerMillion: 1.6, perImage: 0 },
  "gpt-4.1": { inputPerMillion: 2, outputPerMillion: 8, perImage: 0 },
  "dall-e-3": { inputPerMillion: 0, outputPerMillion: 0, perImage: 0.04 },
  "gpt-image-1": { inputPerMillion: 0, outputPerMillion: 0, perImage: 0.04 },
  "llama-3.1-8b-instant": { inputPerMillion: 0.05, outputPerMillion: 0.08, perImage: 0 },
  "llama-3.3-70b-versatile": { inputPerMillion: 0.59, outputPerMillion: 0.79, perImage: 0 },
  "claude-sonnet-4-5": { inputPerMillion: 3, outputPerMillion: 15, perImage: 0 },
  "claude-haiku-4-5": { inputPerMillion: 1, outputPerMillion: 5, perImage: 0 },
};

export function costOf(price: Price | undefined, usage: { promptTokens: number; completionTokens: number; images: number }): number {
  if (!price) return 0;
  return (usage.promptTokens * price.inputPerMillion + usage.completionTokens * price.outputPerMillion) / 1_000_000 + usage.images * price.perImage;
}

/** The first day of the UTC month of `now`: budgets count from there. */
export function monthStart(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}
