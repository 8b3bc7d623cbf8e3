// `wrangler types` with several configs merges the secondary Workers' plain bindings but leaves out
// their Durable Object bindings and vars, so the publisher's are declared here (checked against
// workers/publisher/wrangler.toml by the publisher's tests, which run with that file).
interface __BaseEnv_Env {
  ACCOUNT_SCHEDULER: DurableObjectNamespace<import("../../durable-objects/account-scheduler").AccountScheduler>;
  RATE_LIMITER: DurableObjectNamespace<import("../../durable-objects/rate-limiter").RateLimiter>;
  PUBLISH_TIMEOUT_MS?: string;
  /** The api Worker's public origin, for links platforms fetch media from (lib/media/public-url.ts). */
  PUBLIC_BASE_URL?: string;
}
