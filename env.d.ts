// Secrets are not in wrangler.toml, so `wrangler types` cannot see them; they are declared here and
// validated at runtime by lib/config/env.ts. `.dev.vars.example` lists each one with its purpose.
interface Env {
  SESSION_SECRET: string;
}
