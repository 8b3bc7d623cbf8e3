import { sha256Hex } from "../crypto/encoding";
import type { ChatRequest } from "./chain";

export const CACHE_TTL_MS = 24 * 3_600_000;

/** Identical requests (endpoint, model, messages, parameters) share a key, and so an answer for 24 hours. */
export function cacheKey(endpoint: { baseUrl: string; model: string }, request: ChatRequest): Promise<string> {
  return sha256Hex(JSON.stringify([endpoint.baseUrl, endpoint.model, request.messages, request.temperature, request.maxTokens, request.json]));
}
