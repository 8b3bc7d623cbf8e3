import { z } from "zod";
import { AppError } from "../http/errors";

/**
 * The secrets and variables the Workers need, checked once per isolate. A missing or weak secret is
 * a deployment mistake: it is reported by name, never papered over with a default.
 */
const schema = z.object({
  SESSION_SECRET: z.string().min(32, "SESSION_SECRET must be at least 32 characters (run `openssl rand -hex 32`)"),
});

export type Config = z.infer<typeof schema>;

const checked = new WeakMap<object, Config>();

export function config(env: Env): Config {
  const cached = checked.get(env);
  if (cached) return cached;
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new AppError(503, "misconfigured", `The server is not configured: ${problems}`);
  }
  checked.set(env, parsed.data);
  return parsed.data;
}

const tokenKeySchema = z.object({ TOKEN_KEY: z.string({ error: "is not set" }).min(32, "must be at least 32 characters (run `openssl rand -hex 32`)") });

/**
 * The key that seals credentials at rest (lib/crypto/sealed.ts). Only the Workers that hold
 * credentials have it (api, publisher), so it is checked where used, not with the rest.
 */
export function tokenKey(env: object): string {
  const parsed = tokenKeySchema.safeParse(env);
  if (!parsed.success) throw new AppError(503, "misconfigured", `The server is not configured: TOKEN_KEY: ${parsed.error.issues[0]!.message}`);
  return parsed.data.TOKEN_KEY;
}
