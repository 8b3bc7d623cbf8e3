import type { ThrottleState } from "../../../durable-objects/login-throttle";
import { AppError } from "../../../lib/http/errors";

/**
 * Failed logins are counted per email and per client address, each in its own LoginThrottle
 * object: guessing one account's password from many addresses, or many accounts from one address,
 * both hit a limit.
 */
function throttles(env: Env, email: string, ip: string | null) {
  const keys = [`email:${email}`, ...(ip ? [`ip:${ip}`] : [])];
  return keys.map((key) => env.LOGIN_THROTTLE.get(env.LOGIN_THROTTLE.idFromName(key)));
}

function refuse(states: ThrottleState[]): void {
  const wait = Math.max(0, ...states.filter((s) => s.blocked).map((s) => s.retryAfterSeconds));
  if (wait > 0) {
    const minutes = Math.ceil(wait / 60);
    throw new AppError(
      429,
      "too_many_attempts",
      `Too many failed log-ins. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      undefined,
      { "Retry-After": String(wait) },
    );
  }
}

export async function assertLoginAllowed(env: Env, email: string, ip: string | null): Promise<void> {
  refuse(await Promise.all(throttles(env, email, ip).map((t) => t.check())));
}

export async function recordLoginFailure(env: Env, email: string, ip: string | null): Promise<void> {
  await Promise.all(throttles(env, email, ip).map((t) => t.recordFailure()));
}

/** A successful login forgives the account's failures (not the address's: it may be guessing others). */
export async function clearLoginFailures(env: Env, email: string): Promise<void> {
  await throttles(env, email, null)[0]!.clear();
}
