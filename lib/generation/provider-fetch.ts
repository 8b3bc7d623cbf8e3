/**
 * The `fetch` the OpenAI SDK uses to reach a provider. Provider URLs are typed in by users, so each
 * request goes through the same checks as every other user-given URL (lib/http/safe-fetch.ts:
 * http(s) only, no private, loopback or metadata hosts, also after DNS), and redirects are refused
 * rather than followed, since a redirect could point anywhere. A checked origin is trusted for a
 * minute, so a job's calls do not each pay a DNS-over-HTTPS lookup.
 */
import { assertFetchable, FetchRefused, type Resolver } from "../http/safe-fetch";

const CHECK_TTL_MS = 60_000;
const checked = new Map<string, number>();

export type ProviderFetchOptions = {
  /** Only for the operator's own machine (a local Ollama, the benchmark's fake server). */
  allowLoopback?: boolean;
  resolve?: Resolver;
};

export function providerFetch(options: ProviderFetchOptions = {}): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const origin = new URL(request.url).origin;
    if ((checked.get(origin) ?? 0) < Date.now()) {
      await assertFetchable(request.url, options);
      checked.set(origin, Date.now() + CHECK_TTL_MS);
    }
    const response = await fetch(request, { redirect: "manual" });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new FetchRefused(`Refused: the provider answered with a redirect to ${response.headers.get("location") ?? "nowhere"}; use the final URL as the base URL`);
    }
    return response;
  };
}
