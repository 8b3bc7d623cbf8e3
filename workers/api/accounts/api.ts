/** Connected accounts and an item's publications, under /api/v1. Credentials never appear in a response. */
import { createRoute, z } from "@hono/zod-openapi";
import { ACCOUNT_STATES, PUBLICATION_STATES } from "../../../lib/db/schema";
import { parseInput } from "../../../lib/http/validate";
import { getContent } from "../content/service";
import { publicationsOf, type PublicationView } from "../publications/service";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, isoOrNull, json, noContent, pathParam, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { blueskyInput, connectBluesky, disconnectAccount, listAccounts, type AccountView } from "./service";

const AccountSchema = z
  .object({
    id: z.string(),
    platform: z.string(),
    handle: z.string(),
    externalId: z.string(),
    serviceUrl: z.string(),
    status: z.enum(ACCOUNT_STATES),
    lastError: z.string().nullable(),
    tokenExpiresAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .openapi("Account");
const toAccount = (a: AccountView) => ({
  id: a.id,
  platform: a.platform,
  handle: a.handle,
  externalId: a.externalId,
  serviceUrl: a.serviceUrl,
  status: a.status,
  lastError: a.lastError,
  tokenExpiresAt: isoOrNull(a.tokenExpiresAt),
  createdAt: iso(a.createdAt),
});

const PublicationSchema = z
  .object({
    id: z.string(),
    platform: z.string(),
    handle: z.string(),
    scheduledAt: timestamp,
    scheduledZone: z.string(),
    status: z.enum(PUBLICATION_STATES),
    attempts: z.number().int(),
    waitingUntil: timestamp.nullable(),
    externalUrl: z.string().nullable(),
    lastError: z.string().nullable().openapi({ description: "The platform's own message when it refused or failed" }),
    publishedAt: timestamp.nullable(),
  })
  .openapi("Publication");
const toPublication = (p: PublicationView) => ({
  ...p,
  status: p.status as (typeof PUBLICATION_STATES)[number],
  scheduledAt: iso(p.scheduledAt),
  waitingUntil: isoOrNull(p.waitingUntil),
  publishedAt: isoOrNull(p.publishedAt),
});

const BlueskyDoc = z
  .object({ handle: z.string(), appPassword: z.string().openapi({ description: "An app password, never the account's main password" }), serviceUrl: z.string().optional().openapi({ description: "The PDS; https://bsky.social unless set" }) })
  .openapi("BlueskyConnection");

export function accountApi(api: Api) {
  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/accounts", tags: ["Publishing"], security, summary: "List connected social accounts and their health", request: { params: workspaceParams }, responses: { 200: json(z.object({ accounts: z.array(AccountSchema) }), "Accounts"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "accounts.view");
      return c.json({ accounts: (await listAccounts(c.var.db, c.var.access)).map(toAccount) }, 200);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/v1/workspaces/{workspaceId}/accounts/bluesky", tags: ["Publishing"], security, summary: "Connect (or reconnect) a Bluesky account with an app password", request: { params: workspaceParams, ...body(BlueskyDoc) }, responses: { 201: json(AccountSchema, "The account"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "accounts.manage");
      const input = parseInput(blueskyInput, c.req.valid("json"));
      return c.json(toAccount(await connectBluesky(c.env, c.var.db, c.var.access, input)), 201);
    },
  );

  api.openapi(
    createRoute({ method: "delete", path: "/v1/workspaces/{workspaceId}/accounts/{accountId}", tags: ["Publishing"], security, summary: "Disconnect an account (refused while publications are scheduled on it)", request: { params: workspaceParams.extend({ accountId: pathParam("accountId") }) }, responses: { 204: { description: "Disconnected" }, ...errors } }),
    async (c) => {
      const { workspaceId, accountId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "accounts.manage");
      await disconnectAccount(c.var.db, c.var.access, accountId);
      return noContent();
    },
  );

  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/content/{contentId}/publications", tags: ["Publishing"], security, summary: "Where a content item goes, when, and what came of it", request: { params: workspaceParams.extend({ contentId: pathParam("contentId") }) }, responses: { 200: json(z.object({ publications: z.array(PublicationSchema) }), "Publications, newest first"), ...errors } }),
    async (c) => {
      const { workspaceId, contentId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "accounts.view");
      await getContent(c.var.db, c.var.access, contentId);
      return c.json({ publications: (await publicationsOf(c.var.db, c.var.access, contentId)).map(toPublication) }, 200);
    },
  );
}
