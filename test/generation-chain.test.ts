/**
 * The provider chain on its own, through the real `openai` SDK and our fetch, against the fake
 * provider: timeouts count as retryable failures, a private address is refused before any request,
 * and the fake's streamed answer is read by the SDK as OpenAI documents it.
 */
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { chat, ChainFailed, image, type Attempt, type ProviderConfig } from "../lib/generation/chain";
import { providerFetch } from "../lib/generation/provider-fetch";

const provider = (name: string, host: string, extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
  id: `prv_${name}`,
  name,
  baseUrl: `https://${host}/v1`,
  model: "gpt-4o-mini",
  imageModel: null,
  apiKey: "sk-test",
  jsonMode: true,
  ...extra,
});

const request = { step: "post:x", messages: [{ role: "system" as const, content: 'Reply with JSON only, shape "post": {}' }, { role: "user" as const, content: "Topic: Trams" }], temperature: 0.7, maxTokens: 200, json: true };

function recorder() {
  const attempts: Attempt[] = [];
  const waits: number[] = [];
  return {
    attempts,
    waits,
    options: { fetch: providerFetch(), onAttempt: async (a: Attempt) => void attempts.push(a), sleep: async (ms: number) => void waits.push(ms) },
  };
}

describe("the chain", () => {
  it("treats a timeout as retryable, then moves to the next provider", async () => {
    const r = recorder();
    const answer = await chat([provider("Slow", "slow.llm.test"), provider("Good", "ok.llm.test")], request, { ...r.options, timeoutMs: 300, retries: 1 });
    expect(answer.provider.name).toBe("Good");
    expect(JSON.parse(answer.text)).toEqual({ text: expect.stringContaining("Trams"), hashtags: ["Trams", "News"] });
    expect(r.attempts.map((a) => [a.provider, a.ok, a.error])).toEqual([
      ["Slow", false, "timed out"],
      ["Slow", false, "timed out"],
      ["Good", true, null],
    ]);
    expect(r.waits).toHaveLength(1);
  });

  it("waits as long as Retry-After says, and skips a provider that asks for longer than the cap", async () => {
    const r = recorder();
    await chat([provider("Busy", "rate-limited.llm.test"), provider("Good", "ok.llm.test")], request, { ...r.options, retries: 2 });
    expect(r.waits).toEqual([1000, 1000]);
    const capped = recorder();
    await chat([provider("Busy", "rate-limited.llm.test"), provider("Good", "ok.llm.test")], request, { ...capped.options, maxWaitMs: 500 });
    expect(capped.waits).toEqual([]);
    expect(capped.attempts.map((a) => a.provider)).toEqual(["Busy", "Good"]);
  });

  it("refuses a provider on a private address before sending anything, and says so", async () => {
    const r = recorder();
    const failure = await chat([provider("Inside", "models.internal-dns.test")], request, r.options).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ChainFailed);
    expect((failure as Error).message).toMatch(/Inside: Refused: models\.internal-dns\.test resolves to 10\.0\.0\.7/);
    expect(r.attempts).toHaveLength(1);
  });

  it("makes images only with providers that have an image model", async () => {
    const r = recorder();
    const picture = await image([provider("Text only", "ok.llm.test"), provider("Painter", "ok.llm.test", { imageModel: "gpt-image-1" })], "A tram at dawn", r.options);
    expect(picture.provider.name).toBe("Painter");
    expect([...picture.bytes.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    await expect(image([provider("Text only", "ok.llm.test")], "x", r.options)).rejects.toThrow("No provider in the chain makes images");
  });
});

describe("the fake provider", () => {
  it("streams chat completion chunks the SDK reads, ending with usage when asked", async () => {
    const client = new OpenAI({ baseURL: "https://ok.llm.test/v1", apiKey: "sk-test", maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: request.messages, stream: true, stream_options: { include_usage: true }, response_format: { type: "json_object" } });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    const finishes: (string | null)[] = [];
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? "";
        finishes.push(choice.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(JSON.parse(text)).toMatchObject({ hashtags: ["Trams", "News"] });
    expect(finishes.at(-1)).toBe("stop");
    expect(usage!.total_tokens).toBe(usage!.prompt_tokens + usage!.completion_tokens);
  });

  it("answers errors in OpenAI's shape", async () => {
    const client = new OpenAI({ baseURL: "https://ok.llm.test/v1", apiKey: "sk-wrong", maxRetries: 0 });
    const error = await client.chat.completions.create({ model: "gpt-4o-mini", messages: request.messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("invalid_api_key");
    const missing = await new OpenAI({ baseURL: "https://ok.llm.test/v1", apiKey: "sk-test", maxRetries: 0 }).chat.completions.create({ model: "no-such-model", messages: request.messages }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
