/**
 * Shared pieces of the REST API's route definitions: the error responses every route documents,
 * and shorthands for JSON bodies, path parameters and the bearer security requirement. Each
 * feature registers its routes in its own `api.ts` with these.
 */
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../types";

export type Api = OpenAPIHono<AppEnv>;

export const iso = (d: Date) => d.toISOString();
export const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
export const timestamp = z.string().openapi({ format: "date-time", example: "2026-11-23T09:30:00.000Z" });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_request" }),
      message: z.string().openapi({ example: "name: is required" }),
      fields: z.record(z.string(), z.string()).optional().openapi({ example: { name: "is required" } }),
    }),
  })
  .openapi("Error");

export const errors = Object.fromEntries(
  [
    [400, "Malformed request (for example invalid JSON)"],
    [401, "Missing or invalid API token"],
    [403, "The token's role or scope does not allow this"],
    [404, "Not found in the token's workspace"],
    [409, "Conflicts with the current state"],
    [413, "Body over 1 MB"],
    [415, "Body is not application/json"],
    [422, "Invalid input; `fields` names each problem"],
  ].map(([status, description]) => [status, { description, content: { "application/json": { schema: ErrorSchema } } }]),
);

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
export const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });

export const workspaceParams = z.object({ workspaceId: z.string().openapi({ param: { name: "workspaceId", in: "path" }, example: "ws_…" }) });
export const pathParam = (name: string) => z.string().openapi({ param: { name, in: "path" } });
export const security = [{ bearer: [] }];

/**
 * A 204 with no body. @hono/zod-openapi types every answer as JSON data, which an empty body is not,
 * so the plain Response is cast to satisfy the route's type.
 */
export const noContent = () => new Response(null, { status: 204 }) as never;
