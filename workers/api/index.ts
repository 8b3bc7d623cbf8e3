import { Hono } from "hono";
import { LoginThrottle } from "../../durable-objects/login-throttle";
import type { AppEnv } from "./types";

const app = new Hono<AppEnv>();
app.get("/", (c) => c.text("ok"));

export { LoginThrottle };
export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
