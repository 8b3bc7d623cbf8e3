/**
 * The api Worker: the htmx UI, the REST API under /api/v1 with its docs, and /healthz. Static files
 * (htmx, CSS) are served from web/ by Workers Static Assets before this code runs.
 */
import { Scalar } from "@scalar/hono-api-reference";
import { Hono } from "hono";
import { NONCE, secureHeaders } from "hono/secure-headers";
import { LoginThrottle } from "../../durable-objects/login-throttle";
import { config } from "../../lib/config/env";
import { notFound } from "../../lib/http/errors";
import { settleUnhandled } from "../../lib/queues/messages";
import { setWorkerName } from "../../lib/log";
import { auditPages } from "./audit/ui";
import { analyticsPages } from "./analytics/ui";
import { operationsPages } from "./operations/ui";
import { calendarPages } from "./calendar/ui";
import { campaignPages } from "./campaigns/ui";
import { contentEditor } from "./content/editor";
import { contentHistory } from "./content/history";
import { contentList } from "./content/list";
import { contentReview } from "./content/review";
import { mediaPages } from "./media/ui";
import { sourcePages } from "./sources/ui";
import { accountPages } from "./accounts/ui";
import { queuePages } from "./publications/queue";
import { failedPages } from "./publications/failed";
import { publishingPages } from "./publications/overview";
import { oauthCallback } from "./accounts/oauth-ui";
import { consumeGenerate } from "./generation/consumer";
import { generationSettingsPages } from "./generation/settings";
import { generationPages } from "./generation/ui";
import { trendPages } from "./trends/ui";
import { authRoutes } from "./auth/routes";
import { handleError } from "./errors";
import { healthRoutes } from "./health/routes";
import { emailEventRoutes } from "./email-events/routes";
import { webhookInRoutes } from "./webhooks-in/routes";
import { newsletterPages } from "./newsletters/ui";
import { inboxPages } from "./inbox/ui";
import { inboundWebhookPages } from "./webhooks-in/ui";
import { publicRoutes } from "./public/ui";
import { publicMediaRoutes } from "./media/public";
import { subscriberPages } from "./subscribers/ui";
import { inviteAcceptance, memberPages } from "./members/ui";
import { loadSession, requireUser, workspaceAccess } from "./middleware/auth";
import { requestContext } from "./middleware/context";
import { csrf } from "./middleware/csrf";
import { api } from "./rest";
import { tokenPages } from "./tokens/ui";
import { webhookPages } from "./webhooks/ui";
import type { AppEnv } from "./types";
import { workspacePages, workspaceRoutes } from "./workspaces/ui";

const app = new Hono<AppEnv>();

app.onError(handleError);
app.notFound(() => {
  throw notFound();
});

app.use(requestContext);
app.use(async (c, next) => {
  config(c.env);
  await next();
});
app.use(
  secureHeaders({
    // Scripts only from our origin, plus the one inline bootstrap of the API docs page (by nonce);
    // Scalar's bundle injects styles, hence inline styles.
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", NONCE],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
    },
  }),
);

app.route("/", healthRoutes);
// Public email routes (signup, confirm, one-click unsubscribe, preferences, SendGrid events): no
// session and no CSRF check, by design; see workers/api/public/ui.tsx.
app.route("/", publicRoutes);
app.route("/", publicMediaRoutes);
app.route("/", emailEventRoutes);
// Platform webhooks (Meta, X) and each workspace's generic inbound endpoint: signed, no session; see webhooks-in/routes.ts.
app.route("/", webhookInRoutes);
app.route("/api", api);
app.get(
  "/api/docs",
  Scalar((c) => ({
    url: "/api/v1/openapi.json",
    cdn: "/vendor/scalar-api-reference.js",
    pageTitle: "Content Engine API",
    // Scalar fetches its fonts from its own CDN by default; the page uses system fonts instead.
    withDefaultFonts: false,
    nonce: c.get("secureHeadersNonce"),
  })),
);

// The UI: cookie sessions, so every mutating request is checked against CSRF.
const ui = new Hono<AppEnv>();
ui.use(csrf, loadSession);
ui.route("/", authRoutes);
ui.route("/", workspaceRoutes);
ui.route("/", inviteAcceptance);
ui.route("/", oauthCallback);
ui.use("/w/:workspaceId", requireUser, workspaceAccess);
ui.use("/w/:workspaceId/*", requireUser, workspaceAccess);
for (const pages of [
  workspacePages,
  memberPages,
  tokenPages,
  auditPages,
  // The list first: its fixed paths (/content/rows) must win over /content/:contentId.
  contentList,
  contentEditor,
  contentHistory,
  contentReview,
  calendarPages,
  campaignPages,
  mediaPages,
  sourcePages,
  accountPages,
  queuePages,
  failedPages,
  publishingPages,
  trendPages,
  generationPages,
  generationSettingsPages,
  subscriberPages,
  newsletterPages,
  inboxPages,
  inboundWebhookPages,
  webhookPages,
  operationsPages,
  analyticsPages,
]) {
  ui.route("/w/:workspaceId", pages);
}
app.route("/", ui);

export { LoginThrottle };

setWorkerName("api");

export default {
  fetch: app.fetch,
  async queue(batch) {
    const rest = batch.queue === "generate" ? await consumeGenerate(batch) : batch.messages;
    settleUnhandled({ ...batch, queue: batch.queue, messages: rest });
  },
} satisfies ExportedHandler<Env>;
