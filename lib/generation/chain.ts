/**
 * The provider chain: a request goes to the first provider; on 429, 5xx, a timeout or a dropped
 * connection it is retried there with backoff (Retry-After when the provider gives one), then the
 * next provider is tried. Errors that retrying cannot fix (a bad key, an unknown model) move on at
 * once. Every attempt, failed or not, is reported through `onAttempt` with the provider's message.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";

export type ProviderConfig = {
  id: string;
  name: string;
  baseUrl: string;
  model: string;
  imageModel: string | null;
  apiKey: string | null;
  jsonMode: boolean;
};

export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };
export type ChatRequest = { step: string; messages: ChatMessage[]; temperature: number; maxTokens: number; json: boolean };
export type ChatResult = { text: string; promptTokens: number; completionTokens: number; provider: ProviderConfig };
export type ImageResult = { bytes: Uint8Array; provider: ProviderConfig };

export type Attempt = { provider: string; model: string; step: string; ok: boolean; httpStatus: number | null; error: string | null; durationMs: number };

export type ChainOptions = {
  fetch: typeof fetch;
  onAttempt: (attempt: Attempt) => Promise<void>;
  /** Retries on one provider before moving to the next. */
  retries?: number;
  timeoutMs?: number;
  /** A Retry-After longer than this is not waited for: the next provider is tried instead. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
};

export class ChainFailed extends Error {
  override name = "ChainFailed";
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function client(provider: ProviderConfig, options: ChainOptions): OpenAI {
  return new OpenAI({
    baseURL: provider.baseUrl,
    // Servers without keys (Ollama) ignore the header; the SDK insists on some value.
    apiKey: provider.apiKey ?? "no-key",
    fetch: options.fetch,
    maxRetries: 0,
    timeout: options.timeoutMs ?? 60_000,
  });
}

type Failure = { status: number | null; message: string; retryable: boolean; retryAfterMs: number | null };

function retryAfter(headers: Headers | undefined): number | null {
  const value = headers?.get("retry-after-ms") ?? null;
  if (value && Number.isFinite(Number(value))) return Number(value);
  const seconds = headers?.get("retry-after");
  if (!seconds) return null;
  if (/^\d+(\.\d+)?$/.test(seconds.trim())) return Number(seconds) * 1000;
  const at = Date.parse(seconds);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function describe(error: unknown): Failure {
  if (error instanceof APIConnectionTimeoutError) return { status: null, message: "timed out", retryable: true, retryAfterMs: null };
  if (error instanceof APIUserAbortError) return { status: null, message: "aborted", retryable: false, retryAfterMs: null };
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? error.cause.message : error.message;
    // Our own refusal of the URL (a private host, a redirect) is not worth retrying.
    const refused = /^Refused/.test(cause);
    return { status: null, message: cause, retryable: !refused, retryAfterMs: null };
  }
  if (error instanceof APIError) {
    const status = error.status ?? null;
    const retryable = status === 429 || status === 408 || (status !== null && status >= 500);
    return { status, message: error.message, retryable, retryAfterMs: retryAfter(error.headers) };
  }
  return { status: null, message: error instanceof Error ? error.message : String(error), retryable: false, retryAfterMs: null };
}

async function run<T>(chain: ProviderConfig[], step: string, call: (provider: ProviderConfig, api: OpenAI) => Promise<T>, options: ChainOptions, usable: (p: ProviderConfig) => boolean): Promise<T> {
  const retries = options.retries ?? 2;
  const maxWait = options.maxWaitMs ?? 20_000;
  const sleep = options.sleep ?? wait;
  const failures: string[] = [];
  for (const provider of chain.filter(usable)) {
    const api = client(provider, options);
    for (let attempt = 0; attempt <= retries; attempt++) {
      const started = Date.now();
      const model = step === "image" ? provider.imageModel! : provider.model;
      try {
        const result = await call(provider, api);
        await options.onAttempt({ provider: provider.name, model, step, ok: true, httpStatus: 200, error: null, durationMs: Date.now() - started });
        return result;
      } catch (error) {
        const failure = describe(error);
        await options.onAttempt({ provider: provider.name, model, step, ok: false, httpStatus: failure.status, error: failure.message, durationMs: Date.now() - started });
        if (!failure.retryable || attempt === retries) {
          failures.push(`${provider.name}: ${failure.message}`);
          break;
        }
        const backoff = failure.retryAfterMs ?? 500 * 2 ** attempt + Math.random() * 250;
        if (backoff > maxWait) {
          failures.push(`${provider.name}: ${failure.message} (asked to wait ${Math.round(backoff / 1000)} s)`);
          break;
        }
        await sleep(backoff);
      }
    }
  }
  if (failures.length === 0) throw new ChainFailed(step === "image" ? "No provider in the chain makes images" : "No provider is configured");
  throw new ChainFailed(failures.join("; "));
}

export function chat(chain: ProviderConfig[], request: ChatRequest, options: ChainOptions): Promise<ChatResult> {
  return run(
    chain,
    request.step,
    async (provider, api) => {
      const completion = await api.chat.completions.create({
        model: provider.model,
        messages: request.messages,
        temperature: request.temperature,
        max_tokens: request.maxTokens,
        ...(request.json && provider.jsonMode ? { response_format: { type: "json_object" as const } } : {}),
      });
      const choice = completion.choices?.[0];
      if (!choice) throw new Error("The provider answered without a choice");
      return {
        text: choice.message?.content ?? "",
        promptTokens: completion.usage?.prompt_tokens ?? 0,
        completionTokens: completion.usage?.completion_tokens ?? 0,
        provider,
      };
    },
    options,
    () => true,
  );
}

export function image(chain: ProviderConfig[], prompt: string, options: ChainOptions): Promise<ImageResult> {
  return run(
    chain,
    "image",
    async (provider, api) => {
      // DALL·E answers with a URL unless asked for base64; gpt-image models always send base64 and refuse the parameter.
      const base64 = provider.imageModel!.startsWith("dall-e") ? { response_format: "b64_json" as const } : {};
      const response = await api.images.generate({ model: provider.imageModel!, prompt, n: 1, size: "1024x1024", ...base64 });
      const b64 = response.data?.[0]?.b64_json;
      if (!b64) throw new Error("The provider answered without image data");
      return { bytes: Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)), provider };
    },
    options,
    (p) => p.imageModel !== null,
  );
}
