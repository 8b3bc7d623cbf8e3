/** Newsletters, previews, test sends, sends and email settings under /api/v1. */
import { createRoute, z } from "@hono/zod-openapi";
import { EMAIL_PROVIDERS, SEND_STATUSES, type EmailSend, type Newsletter } from "../../../lib/db/schema";
import { parseInput } from "../../../lib/http/validate";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, isoOrNull, json, pathParam, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { changeSend, createNewsletter, getNewsletter, getSend, listNewsletters, newsletterInput, preview, sendInput, startSend, testSend, testSendInput, updateNewsletter } from "./service";
import { getSettings, saveSettings, settingsInput, type SettingsView } from "./settings";

const tags = ["Newsletters"];
const newsletterParams = workspaceParams.extend({ newsletterId: pathParam("newsletterId") });
const sendParams = workspaceParams.extend({ sendId: pathParam("sendId") });
const anyJson = z.record(z.string(), z.unknown());
const origin = (url: string) => new URL(url).origin;

const NewsletterSchema = z
  .object({ id: z.string(), subject: z.string(), preheader: z.string(), intro: z.string(), contentIds: z.array(z.string()), updatedAt: timestamp })
  .openapi("Newsletter");
const toNewsletter = (n: Newsletter) => ({ id: n.id, subject: n.subject, preheader: n.preheader, intro: n.intro, contentIds: n.contentIds, updatedAt: iso(n.updatedAt) });

const SendSchema = z
  .object({
    id: z.string(),
    newsletterId: z.string(),
    status: z.enum(SEND_STATUSES),
    scheduledAt: timestamp,
    total: z.number().int(),
    counts: z.object({ queued: z.number().int(), sending: z.number().int(), sent: z.number().int(), failed: z.number().int(), skipped: z.number().int(), unconfirmed: z.number().int() }),
    lastError: z.string().nullable(),
    finishedAt: timestamp.nullable(),
  })
  .openapi("Send");
const toSend = (s: EmailSend, counts: z.infer<typeof SendSchema>["counts"]) => ({
  id: s.id,
  newsletterId: s.newsletterId,
  status: s.status,
  scheduledAt: iso(s.scheduledAt),
  total: s.total,
  counts,
  lastError: s.lastError,
  finishedAt: isoOrNull(s.finishedAt),
});

const SettingsSchema = z
  .object({
    provider: z.enum(EMAIL_PROVIDERS),
    fromEmail: z.string(),
    fromName: z.string(),
    replyTo: z.string().nullable(),
    unsubscribeMailto: z.string(),
    postalAddress: z.string(),
    ratePerSecond: z.number().int(),
    webhookPublicKey: z.string().nullable(),
    trackingEnabled: z.boolean(),
    hasApiKey: z.boolean(),
  })
  .openapi("EmailSettings");
const toSettings = (s: SettingsView) => ({
  provider: s.provider,
  fromEmail: s.fromEmail,
  fromName: s.fromName,
  replyTo: s.replyTo,
  unsubscribeMailto: s.unsubscribeMailto,
  postalAddress: s.postalAddress,
  ratePerSecond: s.ratePerSecond,
  webhookPublicKey: s.webhookPublicKey,
  trackingEnabled: s.trackingEnabled,
  hasApiKey: s.hasApiKey,
});

export function newsletterApi(api: Api) {
  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/newsletters", tags, security, summary: "List newsletters", request: { params: workspaceParams }, responses: { 200: json(z.object({ newsletters: z.array(NewsletterSchema) }), "Newsletters"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "newsletters.view");
      return c.json({ newsletters: (await listNewsletters(c.var.db, c.var.access)).map(toNewsletter) }, 200);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/v1/workspaces/{workspaceId}/newsletters", tags, security, summary: "Create a newsletter from content items", request: { params: workspaceParams, ...body(anyJson) }, responses: { 201: json(NewsletterSchema, "The newsletter"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "newsletters.edit");
      return c.json(toNewsletter(await createNewsletter(c.var.db, c.var.access, parseInput(newsletterInput, c.req.valid("json")))), 201);
    },
  );

  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/newsletters/{newsletterId}", tags, security, summary: "A newsletter", request: { params: newsletterParams }, responses: { 200: json(NewsletterSchema, "The newsletter"), ...errors } }),
    async (c) => {
      const { workspaceId, newsletterId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "newsletters.view");
      return c.json(toNewsletter(await getNewsletter(c.var.db, c.var.access, newsletterId)), 200);
    },
  );

  api.openapi(
    createRoute({ method: "put", path: "/v1/workspaces/{workspaceId}/newsletters/{newsletterId}", tags, security, summary: "Replace a newsletter's subject, preheader, intro and items", request: { params: newsletterParams, ...body(anyJson) }, responses: { 200: json(NewsletterSchema, "The newsletter"), ...errors } }),
    async (c) => {
      const { workspaceId, newsletterId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "newsletters.edit");
      return c.json(toNewsletter(await updateNewsletter(c.var.db, c.var.access, newsletterId, parseInput(newsletterInput, c.req.valid("json")))), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/newsletters/{newsletterId}/preview",
      tags,
      security,
      summary: "The rendered message for a sample reader (fallbacks when no name is given)",
      request: { params: newsletterParams, query: z.object({ firstName: z.string().optional(), lastName: z.string().optional() }) },
      responses: { 200: json(z.object({ subject: z.string(), html: z.string(), text: z.string() }), "The preview"), ...errors },
    }),
    async (c) => {
      const { workspaceId, newsletterId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "newsletters.view");
      const q = c.req.valid("query");
      return c.json(await preview(c.var.db, c.var.access, newsletterId, { first_name: q.firstName ?? null, last_name: q.lastName ?? null, email: "reader@example.com" }), 200);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/v1/workspaces/{workspaceId}/newsletters/{newsletterId}/test", tags, security, summary: "Send a test to up to five addresses", request: { params: newsletterParams, ...body(anyJson) }, responses: { 200: json(z.object({ sent: z.number().int() }), "Sent"), ...errors } }),
    async (c) => {
      const { workspaceId, newsletterId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "newsletters.edit");
      const { to } = parseInput(testSendInput, c.req.valid("json"));
      return c.json({ sent: await testSend(c.var.db, c.env, c.var.access, newsletterId, to, origin(c.req.url)) }, 200);
    },
  );

  api.openapi(
    createRoute({ method: "post", path: "/v1/workspaces/{workspaceId}/newsletters/{newsletterId}/sends", tags, security, summary: "Send now or at `scheduledAt`, to a list and/or segment (or everyone)", request: { params: newsletterParams, ...body(anyJson) }, responses: { 202: json(SendSchema, "The send"), ...errors } }),
    async (c) => {
      const { workspaceId, newsletterId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "newsletters.send");
      const send = await startSend(c.var.db, c.env, c.var.access, newsletterId, parseInput(sendInput, c.req.valid("json")), origin(c.req.url));
      return c.json(toSend(send, { queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0, unconfirmed: 0 }), 202);
    },
  );

  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/sends/{sendId}", tags, security, summary: "A send's progress", request: { params: sendParams }, responses: { 200: json(SendSchema, "The send"), ...errors } }),
    async (c) => {
      const { workspaceId, sendId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "newsletters.view");
      const { send, counts } = await getSend(c.var.db, c.var.access, sendId);
      return c.json(toSend(send, counts), 200);
    },
  );

  for (const action of ["pause", "resume", "cancel"] as const) {
    api.openapi(
      createRoute({ method: "post", path: `/v1/workspaces/{workspaceId}/sends/{sendId}/${action}`, tags, security, summary: `${action[0]!.toUpperCase()}${action.slice(1)} a send`, request: { params: sendParams }, responses: { 200: json(SendSchema, "The send"), ...errors } }),
      async (c) => {
        const { workspaceId, sendId } = c.req.valid("param");
        inTokenWorkspace(c, workspaceId);
        authorize(c, "newsletters.send");
        await changeSend(c.var.db, c.env, c.var.access, sendId, action);
        const { send, counts } = await getSend(c.var.db, c.var.access, sendId);
        return c.json(toSend(send, counts), 200);
      },
    );
  }

  api.openapi(
    createRoute({ method: "get", path: "/v1/workspaces/{workspaceId}/email-settings", tags, security, summary: "The email provider and sender (never the API key)", request: { params: workspaceParams }, responses: { 200: json(z.object({ settings: SettingsSchema.nullable() }), "Settings"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "newsletters.view");
      const s = await getSettings(c.var.db, c.var.access);
      return c.json({ settings: s ? toSettings(s) : null }, 200);
    },
  );

  api.openapi(
    createRoute({ method: "put", path: "/v1/workspaces/{workspaceId}/email-settings", tags, security, summary: "Choose the provider, its API key (stored encrypted) and the sender", request: { params: workspaceParams, ...body(anyJson) }, responses: { 200: json(SettingsSchema, "Settings"), ...errors } }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "email.configure");
      return c.json(toSettings(await saveSettings(c.var.db, c.env, c.var.access, parseInput(settingsInput, c.req.valid("json")))), 200);
    },
  );
}
