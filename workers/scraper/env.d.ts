// `wrangler types` with several configs merges the secondary Workers' plain bindings but leaves out
// their Durable Object and Browser Rendering bindings, so the scraper's are declared here (checked
// against workers/scraper/wrangler.toml by the scraper's tests, which run with that file).
interface __BaseEnv_Env {
  DOMAIN_POLITENESS: DurableObjectNamespace<import("../../durable-objects/domain-politeness").DomainPoliteness>;
  BROWSER: Fetcher;
}
