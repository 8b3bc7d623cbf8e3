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
