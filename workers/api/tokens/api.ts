import { createRoute, z } from "@hono/zod-openapi";
import { tokenInput } from "../../../lib/domain/inputs";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, isoOrNull, json, noContent, pathParam, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { createToken, listTokens, revokeToken, type TokenListing } from "./service";

const tokenParams = workspaceParams.extend({ tokenId: pathParam("tokenId") });

export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scope: z.enum(["read", "write"]),
    createdBy: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .openapi("ApiToken");

export const toToken = (t: Omit<TokenListing, "createdByName">) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  scope: t.scope,
  createdBy: t.createdBy,
  createdAt: iso(t.createdAt),
  lastUsedAt: isoOrNull(t.lastUsedAt),
  revokedAt: isoOrNull(t.revokedAt),
});

export function tokenApi(api: Api) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/tokens",
      tags: ["API tokens"],
      security,
      summary: "List API tokens (never their secrets)",
      request: { params: workspaceParams },
      responses: { 200: json(z.object({ tokens: z.array(TokenSchema) }), "Tokens, newest first"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "tokens.manage");
      const tokens = await listTokens(c.var.db, c.var.access);
      return c.json({ tokens: tokens.map(toToken) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/tokens",
      tags: ["API tokens"],
      security,
      summary: "Create an API token; the secret is in this answer only",
      request: { params: workspaceParams, ...body(tokenInput) },
      responses: { 201: json(TokenSchema.extend({ secret: z.string() }), "The token and its secret"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "tokens.manage");
      const { token, secret } = await createToken(c.var.db, c.var.access, c.req.valid("json"));
      return c.json({ ...toToken(token), secret }, 201);
    },
  );

  api.openapi(
    createRoute({
      method: "delete",
      path: "/v1/workspaces/{workspaceId}/tokens/{tokenId}",
      tags: ["API tokens"],
      security,
      summary: "Revoke an API token; it stops working at once",
      request: { params: tokenParams },
      responses: { 204: { description: "Revoked" }, ...errors },
    }),
    async (c) => {
      const { workspaceId, tokenId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "tokens.manage");
      await revokeToken(c.var.db, c.var.access, tokenId);
      return noContent();
    },
  );
}
