/**
 * Webhooks in: the platforms' endpoints and each workspace's generic one. No session and no CSRF
 * check (the senders are servers); each request is authenticated by its signature over the raw body,
 * checked before anything parses it. Answers are JSON (under /api, like the SendGrid webhook):
 *
 * - a bad or missing signature: 401, nothing stored;
 * - a body that is not JSON: 400; JSON of the wrong shape: 422;
 * - an event for an account no workspace has connected: 200, ignored, logged (platforms retry
 *   anything else for days);
 * - an event id seen before (per source and workspace): 200, stored and acted on the first time only.
 *
 * GET /api/webhooks/meta, /api/webhooks/threads   Meta's subscription handshake (hub.challenge)
 * POST /api/webhooks/meta                          Facebook Page and Instagram events (FACEBOOK_CLIENT_SECRET)
 * POST /api/webhooks/threads                       Threads events (THREADS_CLIENT_SECRET)
 * GET /api/webhooks/x?crc_token=…                  X's CRC check (X_CONSUMER_SECRET)
 * POST /api/webhooks/x                             X Account Activity events
 * POST /api/webhooks/in/:workspaceId               The workspace's own systems (Standard Webhooks signature)
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { PLATFORMS } from "../../../lib/domain/platforms";
import { AppError } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import { log } from "../../../lib/log";
import type { AppEnv } from "../types";
import { graphDelivery, graphEvents, threadsDelivery, threadsEvents } from "./meta";
import { recordGenericEvent, recordPlatformEvents, type InboundEvent } from "./record";
import { inboundSecret } from "./secret";
import { STANDARD_HEADERS, verifyStandard } from "../../../lib/webhooks/signature";
import { META_SIGNATURE_HEADER, verifyMeta, verifyX, X_SIGNATURE_HEADER, xCrcResponse, type Verdict } from "./signatures";
import { xDelivery, xEvents } from "./x";

const MAX_BODY = 5 * 1024 * 1024;

export const webhookInRoutes = new Hono<AppEnv>();

/** A configured secret by name; its absence is a deployment mistake, said as such (never a pass). */
function setting(c: Context<AppEnv>, name: string): string {
  const value = (c.env as unknown as Record<string, unknown>)[name];
  if (typeof value !== "string" || value === "") throw new AppError(503, "misconfigured", `The server is not configured: ${name} is not set.`);
  return value;
}

async function rawBody(c: Context<AppEnv>): Promise<Uint8Array> {
  const length = Number(c.req.header("content-length") ?? "0");
  if (length > MAX_BODY) throw new AppError(413, "body_too_large", "The request body is larger than 5 MB.");
  const raw = new Uint8Array(await c.req.arrayBuffer());
  if (raw.byteLength > MAX_BODY) throw new AppError(413, "body_too_large", "The request body is larger than 5 MB.");
  return raw;
}

function signed(verdict: Verdict, source: string): void {
  if (verdict.ok) return;
  log.warn("webhook.bad_signature", { source, reason: verdict.reason });
  throw new AppError(401, "bad_signature", `Signature check failed: ${verdict.reason}.`);
}

function jsonOf(raw: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new AppError(400, "malformed_json", "The body is not JSON.");
  }
}

/** Meta's subscription check: echo the challenge when the verify token is ours. */
function metaHandshake(c: Context<AppEnv>) {
  const expected = setting(c, "META_WEBHOOK_VERIFY_TOKEN");
  const mode = c.req.query("hub.mode");
  const token = c.req.query("hub.verify_token") ?? "";
  const challenge = c.req.query("hub.challenge");
  if (mode !== "subscribe" || !challenge) throw new AppError(400, "invalid_request", "Expected hub.mode=subscribe with hub.verify_token and hub.challenge.");
  const a = new TextEncoder().encode(token);
  const b = new TextEncoder().encode(expected);
  if (a.byteLength !== b.byteLength || !crypto.subtle.timingSafeEqual(a, b)) throw new AppError(403, "forbidden", "hub.verify_token does not match.");
  return c.text(challenge, 200, { "content-type": "text/plain; charset=utf-8" });
}

webhookInRoutes.get("/api/webhooks/meta", metaHandshake);
webhookInRoutes.get("/api/webhooks/threads", metaHandshake);

webhookInRoutes.post("/api/webhooks/meta", async (c) => {
  const raw = await rawBody(c);
  signed(await verifyMeta(setting(c, "FACEBOOK_CLIENT_SECRET"), c.req.header(META_SIGNATURE_HEADER), raw), "meta");
  const delivery = parseInput(graphDelivery, jsonOf(raw));
  return c.json(await recordPlatformEvents(c.var.db, await graphEvents(delivery)), 200);
});

webhookInRoutes.post("/api/webhooks/threads", async (c) => {
  const raw = await rawBody(c);
  signed(await verifyMeta(setting(c, "THREADS_CLIENT_SECRET"), c.req.header(META_SIGNATURE_HEADER), raw), "threads");
  const delivery = parseInput(threadsDelivery, jsonOf(raw));
  return c.json(await recordPlatformEvents(c.var.db, await threadsEvents(delivery)), 200);
});

webhookInRoutes.get("/api/webhooks/x", async (c) => {
  const token = c.req.query("crc_token");
  if (!token) throw new AppError(400, "invalid_request", "crc_token: is required", { crc_token: "is required" });
  return c.json({ response_token: await xCrcResponse(setting(c, "X_CONSUMER_SECRET"), token) }, 200);
});

webhookInRoutes.post("/api/webhooks/x", async (c) => {
  const raw = await rawBody(c);
  signed(await verifyX(setting(c, "X_CONSUMER_SECRET"), c.req.header(X_SIGNATURE_HEADER), raw), "x");
  const delivery = parseInput(xDelivery, jsonOf(raw));
  return c.json(await recordPlatformEvents(c.var.db, await xEvents(delivery)), 200);
});

/** The generic endpoint's body: an event id (the deduplication key) and a type, with its data. */
export const genericEvent = z.object({
  id: z.string({ error: "is required" }).trim().min(1, "is required").max(200, "must be at most 200 characters"),
  type: z.string({ error: "is required" }).regex(/^[a-z][a-z0-9_.:-]{0,63}$/, "must be lower-case letters, digits and . _ : - (at most 64)"),
  occurredAt: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" }).optional(),
  data: z.record(z.string(), z.unknown()).default({}),
});

/** `comment` and `mention` events put an item in the inbox; their data says what it is. */
const inboxData = z.object({
  author: z.string({ error: "is required" }).trim().min(1, "is required").max(200),
  text: z.string({ error: "is required" }).max(10_000),
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2000).optional(),
  platform: z.enum(PLATFORMS).optional(),
});

webhookInRoutes.post("/api/webhooks/in/:workspaceId", async (c) => {
  const workspaceId = c.req.param("workspaceId");
  const raw = await rawBody(c);
  const secret = await inboundSecret(c.var.db, c.env, workspaceId);
  const verdict: Verdict = secret
    ? await verifyStandard(secret, { id: c.req.header(STANDARD_HEADERS.id), timestamp: c.req.header(STANDARD_HEADERS.timestamp), signature: c.req.header(STANDARD_HEADERS.signature) }, raw)
    : // Said the same way as a wrong signature, so the endpoint does not tell which workspaces exist.
      { ok: false, reason: "signature does not match" };
  signed(verdict, "generic");
  const body = parseInput(genericEvent, jsonOf(raw));
  const event: InboundEvent = { source: "generic", eventId: body.id, type: body.type, payload: body };
  let platform = "other";
  if (body.type === "comment" || body.type === "mention") {
    const { data } = parseInput(z.object({ data: inboxData }), { data: body.data });
    platform = data.platform ?? "other";
    event.inbox = {
      kind: body.type,
      externalId: body.id,
      author: data.author,
      text: data.text,
      url: data.url ?? null,
      occurredAt: body.occurredAt ? new Date(body.occurredAt) : new Date(),
      onPosts: [],
    };
  }
  const fresh = await recordGenericEvent(c.var.db, workspaceId, event, platform);
  return c.json({ received: 1, new: fresh ? 1 : 0, ignored: 0 }, 200);
});
