/**
 * The REST API, /api/v1, built with @hono/zod-openapi so the routes, their validation and the spec
 * at /api/v1/openapi.json come from the same zod schemas. Every route calls the same service
 * functions as the UI; only the transport differs. Each feature registers its routes from its own
 * folder (`workers/api/<feature>/api.ts`).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { AppError } from "../../../lib/http/errors";
import { invalidInput } from "../../../lib/http/validate";
import { auditApi } from "../audit/api";
import { analyticsApi } from "../analytics/api";
import { operationsApi } from "../operations/api";
import { campaignApi } from "../campaigns/api";
import { contentApi } from "../content/api";
import { carriesFile, mediaApi } from "../media/api";
import { FILE_REQUEST_LIMIT } from "../media/service";
import { sourceApi } from "../sources/api";
import { accountApi } from "../accounts/api";
import { queueApi } from "../publications/api";
import { subscriberApi } from "../subscribers/api";
import { newsletterApi } from "../newsletters/api";
import { generationApi } from "../generation/api";
import { inboxApi } from "../inbox/api";
import { memberApi } from "../members/api";
import { tokenApi } from "../tokens/api";
import { webhookApi } from "../webhooks/api";
import type { AppEnv } from "../types";
import { workspaceApi } from "../workspaces/api";
import { bearerAuth } from "./auth";

export const MAX_BODY_BYTES = 1024 * 1024;

export const api = new OpenAPIHono<AppEnv>({
  // zod failures on path, query or body become the same 422 as everywhere else, naming each field.
  defaultHook: (result) => {
    if (!result.success) throw invalidInput(result.error);
  },
});

api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "An API token from Settings → API tokens (`cet_…`).",
});

// Registered before the token check so the spec is public; it is generated from the routes below.
api.doc31("/v1/openapi.json", (c) => ({
  openapi: "3.1.0",
  info: {
    title: "Content Engine API",
    version: "1.0.0",
    description: "Script a workspace: every operation of the UI, with an API token. Errors are `{\"error\": {\"code\", \"message\", \"fields\"?}}`.",
  },
  servers: [{ url: `${new URL(c.req.url).origin}/api` }],
}));

/** Bodies, when there is one, must be JSON, at most 1 MB; checked before anything reads them. */
const jsonBodies = createMiddleware<AppEnv>(async (c, next) => {
  const length = c.req.header("content-length");
  const hasBody = (length !== undefined && length !== "0") || c.req.header("transfer-encoding") !== undefined;
  if (["POST", "PUT", "PATCH"].includes(c.req.method) && hasBody) {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/json\b/i.test(type)) {
      throw new AppError(415, "unsupported_media_type", `Send the body as application/json (got ${type || "no Content-Type"}).`);
    }
  }
  await next();
});

const jsonLimit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new AppError(413, "body_too_large", "The request body is larger than 1 MB.");
  },
});
// File uploads (media) carry bytes, not JSON; the service checks their type and size limits.
const fileLimit = bodyLimit({
  maxSize: FILE_REQUEST_LIMIT,
  onError: () => {
    throw new AppError(413, "body_too_large", `The request body is larger than ${FILE_REQUEST_LIMIT / 1024 / 1024} MB: send larger files in parts (POST …/media/uploads).`);
  },
});
api.use("/v1/*", async (c, next) => {
  if (carriesFile(c.req.method, c.req.path)) return fileLimit(c, next);
  await jsonBodies(c, async () => {
    await jsonLimit(c, next);
  });
});
api.use("/v1/*", bearerAuth);

workspaceApi(api);
memberApi(api);
tokenApi(api);
auditApi(api);
analyticsApi(api);
contentApi(api);
campaignApi(api);
mediaApi(api);
sourceApi(api);
accountApi(api);
queueApi(api);
subscriberApi(api);
newsletterApi(api);
generationApi(api);
inboxApi(api);
webhookApi(api);
operationsApi(api);
