/**
 * `ALLOW_LOOPBACK=1`, an operator's explicit choice, lets services on this machine through the
 * private-address checks: a fake platform in the browser tests and the offline demo, or a local LLM
 * server. It admits loopback (127.0.0.0/8, ::1, localhost) only, never other private ranges. Unset by
 * default everywhere (wrangler.toml does not set it); tests prove the default refuses loopback.
 */
import { z } from "zod";

const operatorVars = z.object({ ALLOW_LOOPBACK: z.literal("1").optional() });

export const allowsLoopback = (env: object): boolean => operatorVars.safeParse(env).data?.ALLOW_LOOPBACK === "1";
