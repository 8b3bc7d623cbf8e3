/**
 * Public email pages, outside any workspace and without a login: the hosted signup page and the
 * endpoint embedded forms post to, the confirmation link, one-click unsubscribe (RFC 8058), the
 * preferences page with GDPR export and erasure, and the tracking pixel and redirects. These routes
 * are mounted before the UI's session and CSRF middleware: an embedded form posts from another
 * site, and a mail client's one-click POST carries no cookie. They are protected instead by signed
 * links, a honeypot and rate limits.
 */
import { countEngagement } from "../../../lib/analytics/email-daily";
import { and, eq, sql } from "drizzle-orm";
import { Hono, type Context } from "hono";
import type { Child } from "hono/jsx";
import { config } from "../../../lib/config/env";
import { emailDeliveries } from "../../../lib/db/schema";
import { runBatch } from "../../../lib/email/batch";
import { publicPaths, readClickToken, readConfirmToken, readManageToken, readOpenToken } from "../../../lib/email/links";
import { clientIp } from "../middleware/context";
import { dataOf } from "../subscribers/export";
import type { AppEnv } from "../types";
import { confirm, eraseSelf, listsOf, overLimit, publicList, savePreferences, signUp, signupInput, subscriberFor, unsubscribe, type Visitor } from "./service";

export const publicRoutes = new Hono<AppEnv>();

/** Per address: 10 signups in 10 minutes; per form: 300 a minute. */
const LIMITS = { perIp: { limit: 10, windowMs: 10 * 60 * 1000 }, perList: { limit: 300, windowMs: 60 * 1000 } };

const visitor = (c: Context<AppEnv>): Visitor => ({ ip: clientIp(c), userAgent: c.req.header("user-agent") ?? null });
const secret = (c: Context<AppEnv>) => config(c.env).SESSION_SECRET;
const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin;

function PublicPage(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.title}</title>
        <link rel="stylesheet" href="/app.css" />
      </head>
      <body>
        <main>
          <section class="card narrow">{props.children}</section>
        </main>
      </body>
    </html>
  );
}

const page = (c: Context<AppEnv>, title: string, body: Child, status: 200 | 400 | 404 | 410 | 422 | 429 = 200) =>
  c.html(
    <PublicPage title={title}>
      <h1>{title}</h1>
      {body}
    </PublicPage>,
    status,
  );

function SignupForm(props: { listId: string; consentText: string; errors?: Record<string, string>; email?: string; firstName?: string }) {
  const e = props.errors ?? {};
  return (
    <form method="post" action={publicPaths.subscribe(props.listId)}>
      <p class="field">
        <label for="f-email">Email</label>
        <input id="f-email" name="email" type="email" required autocomplete="email" value={props.email} aria-invalid={e.email ? "true" : undefined} />
        {e.email && <small class="error">{e.email}</small>}
      </p>
      <p class="field">
        <label for="f-first_name">First name (optional)</label>
        <input id="f-first_name" name="first_name" autocomplete="given-name" value={props.firstName} />
      </p>
      {/* The honeypot: off-screen and skipped by keyboards and screen readers; only bots fill it. */}
      <p style="position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden" aria-hidden="true">
        <label for="f-website">Website</label>
        <input id="f-website" name="website" tabindex={-1} autocomplete="off" />
      </p>
      <p class="field">
        <label>
          <input type="checkbox" name="consent" required /> {props.consentText}
        </label>
        {e.consent && <small class="error">{e.consent}</small>}
      </p>
      <button type="submit">Subscribe</button>
    </form>
  );
}

publicRoutes.get("/email/subscribe/:listId", async (c) => {
  const list = await publicList(c.var.db, c.req.param("listId"));
  if (!list) return page(c, "Not found", <p>This signup form does not exist.</p>, 404);
  return page(
    c,
    `Subscribe to ${list.name}`,
    <>
      {list.description && <p>{list.description}</p>}
      <SignupForm listId={list.id} consentText={list.consentText} />
    </>,
  );
});

publicRoutes.post("/email/subscribe/:listId", async (c) => {
  const list = await publicList(c.var.db, c.req.param("listId"));
  if (!list) return page(c, "Not found", <p>This signup form does not exist.</p>, 404);
  const who = visitor(c);
  if ((await overLimit(c.var.db, `signup:ip:${who.ip ?? "unknown"}`, LIMITS.perIp.limit, LIMITS.perIp.windowMs)) || (await overLimit(c.var.db, `signup:list:${list.id}`, LIMITS.perList.limit, LIMITS.perList.windowMs))) {
    c.header("Retry-After", "600");
    return page(c, "Too many attempts", <p>Too many signups from here just now. Please try again in a few minutes.</p>, 429);
  }
  const type = c.req.header("content-type") ?? "";
  const form = type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data") ? await c.req.parseBody() : {};
  const fields = Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === "string")) as Record<string, string>;
  const done = page(
    c,
    "Check your inbox",
    <p>
      If <strong>{fields.email}</strong> can receive {list.name}, a confirmation link is on its way. Click it to finish subscribing; the link expires in 48 hours.
    </p>,
  );
  // A bot that filled the honeypot is told the same as a person, and nothing happens.
  if (fields.website) return done;
  const parsed = signupInput.safeParse(fields);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? "email")] ??= issue.message;
    return page(c, `Subscribe to ${list.name}`, <SignupForm listId={list.id} consentText={list.consentText} errors={errors} email={fields.email} firstName={fields.first_name} />, 422);
  }
  await signUp(c.var.db, c.env, secret(c), origin(c), list, parsed.data, who);
  return done;
});

// The link in the email shows a button rather than confirming on GET: mail scanners open links.
publicRoutes.get("/email/confirm/:token", async (c) => {
  const claims = await readConfirmToken(secret(c), c.req.param("token"));
  if (!claims) return page(c, "This link has expired", <p>Confirmation links work for 48 hours. Sign up again to get a fresh one.</p>, 410);
  return page(
    c,
    "Confirm your subscription",
    <form method="post" action={publicPaths.confirm(c.req.param("token"))}>
      <button type="submit">Yes, subscribe me</button>
    </form>,
  );
});

publicRoutes.post("/email/confirm/:token", async (c) => {
  const claims = await readConfirmToken(secret(c), c.req.param("token"));
  if (!claims) return page(c, "This link has expired", <p>Confirmation links work for 48 hours. Sign up again to get a fresh one.</p>, 410);
  const confirmed = await confirm(c.var.db, claims.subscriberId, claims.listId, visitor(c));
  if (!confirmed) return page(c, "This link no longer works", <p>The subscription it confirms does not exist any more.</p>, 410);
  return page(c, "You are subscribed", <p>Thank you: you will receive {confirmed.list.name}. Every message has a link to unsubscribe in one click.</p>);
});

async function manageClaims(c: Context<AppEnv>) {
  const claims = await readManageToken(secret(c), c.req.param("token") ?? "");
  return claims ? await subscriberFor(c.var.db, claims) : null;
}

const gone = (c: Context<AppEnv>) => page(c, "Nothing to manage", <p>This link does not match a subscription any more (it may have been erased).</p>, 404);

publicRoutes.get("/email/unsubscribe/:token", async (c) => {
  const subscriber = await manageClaims(c);
  if (!subscriber) return gone(c);
  if (subscriber.status === "unsubscribed") return page(c, "You are unsubscribed", <p>{subscriber.email} receives nothing more from us.</p>);
  return page(
    c,
    "Unsubscribe",
    <>
      <p>Stop all email to {subscriber.email}?</p>
      <form method="post" action={publicPaths.unsubscribe(c.req.param("token"))}>
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit">Unsubscribe</button>
      </form>
      <p>
        <a href={publicPaths.preferences(c.req.param("token"))}>Or choose what you receive</a>
      </p>
    </>,
  );
});

// RFC 8058: mail clients POST `List-Unsubscribe=One-Click` here, without cookies or a login; our own
// page's button posts the same body.
publicRoutes.post("/email/unsubscribe/:token", async (c) => {
  const subscriber = await manageClaims(c);
  if (!subscriber) return gone(c);
  await unsubscribe(c.var.db, subscriber, visitor(c), "one-click unsubscribe");
  return page(c, "You are unsubscribed", <p>{subscriber.email} receives nothing more from us. Changed your mind? Sign up again on our site.</p>);
});

publicRoutes.get("/email/preferences/:token", async (c) => {
  const subscriber = await manageClaims(c);
  if (!subscriber) return gone(c);
  const token = c.req.param("token");
  const lists = await listsOf(c.var.db, subscriber);
  return page(
    c,
    "Your email preferences",
    <>
      <p>
        {subscriber.email} · {subscriber.status}
      </p>
      <form method="post" action={publicPaths.preferences(token)}>
        <p class="field">
          <label for="f-first_name">First name</label>
          <input id="f-first_name" name="first_name" value={subscriber.firstName ?? ""} />
        </p>
        {lists.length > 0 && (
          <fieldset>
            <legend>You receive</legend>
            {lists.map((l) => (
              <label style="display:block">
                <input type="checkbox" name="list" value={l.id} checked /> {l.name}
              </label>
            ))}
          </fieldset>
        )}
        <button type="submit">Save</button>
      </form>
      <h2>Your data</h2>
      <p>
        <a href={`${publicPaths.preferences(token)}/data.json`} download="my-data.json">
          Download everything we hold about you
        </a>
      </p>
      <form method="post" action={publicPaths.unsubscribe(token)}>
        <button type="submit" class="secondary">
          Unsubscribe from everything
        </button>
      </form>
      <form method="post" action={`${publicPaths.preferences(token)}/erase`}>
        <p>
          <label>
            <input type="checkbox" name="sure" required /> Erase my data: my address, name and history are deleted for good.
          </label>
        </p>
        <button type="submit" class="danger">
          Erase my data
        </button>
      </form>
    </>,
  );
});

publicRoutes.post("/email/preferences/:token", async (c) => {
  const subscriber = await manageClaims(c);
  if (!subscriber) return gone(c);
  const form = await c.req.parseBody({ all: true });
  const keep = ([] as unknown[]).concat(form.list ?? []).filter((v): v is string => typeof v === "string");
  const firstName = typeof form.first_name === "string" ? form.first_name : null;
  await savePreferences(c.var.db, subscriber, keep, firstName, visitor(c));
  return page(c, "Preferences saved", <p><a href={publicPaths.preferences(c.req.param("token"))}>Back to your preferences</a></p>);
});

publicRoutes.get("/email/preferences/:token/data.json", async (c) => {
  const subscriber = await manageClaims(c);
  if (!subscriber) return gone(c);
  const data = await dataOf(c.var.db, subscriber.workspaceId, subscriber.id);
  return c.json(data, 200, { "content-disposition": 'attachment; filename="my-data.json"', "cache-control": "no-store" });
});

publicRoutes.post("/email/preferences/:token/erase", async (c) => {
  const subscriber = await manageClaims(c);
  if (!subscriber) return gone(c);
  await eraseSelf(c.var.db, subscriber);
  return page(c, "Your data is erased", <p>We keep only a one-way fingerprint of your address, so it is never added back by mistake.</p>);
});

// A 1×1 transparent GIF.
const PIXEL = Uint8Array.from(atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), (ch) => ch.charCodeAt(0));

async function engaged(c: Context<AppEnv>, deliveryId: string, column: "opened_at" | "clicked_at") {
  const at = Date.now();
  await runBatch(c.var.db, [
    countEngagement(deliveryId, column === "opened_at" ? "opened" : "clicked", at),
    sql`UPDATE email_deliveries SET ${sql.raw(column)} = COALESCE(${sql.raw(column)}, ${at}) WHERE id = ${deliveryId}`,
    sql`UPDATE subscribers SET last_engaged_at = ${at} WHERE id = (SELECT subscriber_id FROM email_deliveries WHERE id = ${deliveryId})`,
  ]);
}

publicRoutes.get("/email/o/:token", async (c) => {
  const deliveryId = await readOpenToken(secret(c), c.req.param("token"));
  if (deliveryId) await engaged(c, deliveryId, "opened_at");
  return c.body(PIXEL, 200, { "content-type": "image/gif", "cache-control": "no-store" });
});

publicRoutes.get("/email/c/:token", async (c) => {
  const claims = await readClickToken(secret(c), c.req.param("token"));
  if (!claims || !/^https?:\/\//i.test(claims.url)) return page(c, "Link not found", <p>This link is not valid.</p>, 404);
  const known = await c.var.db.select({ id: emailDeliveries.id }).from(emailDeliveries).where(and(eq(emailDeliveries.id, claims.deliveryId))).get();
  if (known) await engaged(c, claims.deliveryId, "clicked_at");
  return c.redirect(claims.url, 302);
});
