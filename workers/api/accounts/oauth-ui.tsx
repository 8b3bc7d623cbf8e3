/**
 * The OAuth connect flow's pages: "Connect X" (a CSRF-checked POST that sends the browser to the
 * platform), the callback the platform sends it back to (one fixed address per platform, as the
 * platforms require it registered exactly; the workspace comes from the flow), and the choice of
 * accounts when the tokens can post as several.
 */
import { Hono } from "hono";
import { html } from "hono/html";
import { PLATFORM_NAMES, type Platform } from "../../../lib/domain/platforms";
import { parseInput } from "../../../lib/http/validate";
import { goTo } from "../lib/respond";
import { requireUser } from "../middleware/auth";
import { clientIp } from "../middleware/context";
import type { AppEnv } from "../types";
import { CsrfField } from "../views/layout";
import { renderPage } from "../views/render";
import { choiceInput, chooseAccounts, completeConnection, pendingChoice, startConnection } from "./oauth";

/** Mounted under /w/:workspaceId with the accounts pages. */
export const oauthPages = new Hono<AppEnv>();

oauthPages.post("/accounts/connect/:platform", async (c) => {
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const form = Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === "string" && e[0] !== "_csrf"));
  const url = await startConnection(c.env, c.var.db, c.var.access, c.req.param("platform"), form, new URL(c.req.url).origin);
  // Off-site. The page's CSP (form-action 'self') stops browsers from following a form's redirect
  // to another site, so htmx navigates by script (HX-Redirect), and a plain form gets a page that
  // goes on by itself (a refresh is a navigation, not a form submission).
  if (c.req.header("hx-request")) return goTo(c, url);
  return c.html(
    html`<!doctype html><html lang="en"><head><meta charset="utf-8" /><meta http-equiv="refresh" content="0;url=${url}" /><title>Continuing</title></head><body><p><a href="${url}">Continue to sign in</a></p></body></html>`,
  );
});

oauthPages.get("/accounts/connect/pick/:flowId", async (c) => {
  const { workspace } = c.var.access;
  const flowId = c.req.param("flowId");
  const choice = await pendingChoice(c.env, c.var.db, c.var.access, flowId);
  const name = PLATFORM_NAMES[choice.platform as Platform] ?? choice.platform;
  return renderPage(
    c,
    { title: `Choose ${name} accounts`, area: "accounts", inWorkspace: true },
    <>
      <h1>Choose the {name} accounts to connect</h1>
      <p class="hint">These permissions can post as each of these. Connect the ones this workspace publishes to.</p>
      <form method="post" action={`/w/${workspace.id}/accounts/connect/pick/${flowId}`} class="card">
        <CsrfField token={c.var.csrfToken} />
        {choice.accounts.map((a, i) => (
          <p>
            <label>
              <input type="checkbox" name="account" value={a.externalId} checked={i === 0} /> {a.displayName || a.handle} <small class="hint">{a.handle}</small>
            </label>
          </p>
        ))}
        <button type="submit">Connect</button>
      </form>
    </>,
  );
});

oauthPages.post("/accounts/connect/pick/:flowId", async (c) => {
  const body = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
  const raw = body.account;
  const chosen = Array.isArray(raw) ? raw.filter((v): v is string => typeof v === "string") : typeof raw === "string" ? [raw] : undefined;
  const { account } = parseInput(choiceInput, { account: chosen });
  await chooseAccounts(c.env, c.var.db, c.var.access, c.req.param("flowId"), account);
  return goTo(c, `/w/${c.var.access.workspace.id}/accounts`);
});

/** The platforms' way back, at /oauth/callback/:platform (outside any workspace path). */
export const oauthCallback = new Hono<AppEnv>();

oauthCallback.get("/oauth/callback/:platform", requireUser, async (c) => {
  const outcome = await completeConnection(c.env, c.var.db, c.var.auth!, clientIp(c), c.req.param("platform"), c.req.query());
  const base = `/w/${outcome.workspaceId}/accounts`;
  return c.redirect(outcome.pickId ? `${base}/connect/pick/${outcome.pickId}` : base, 303);
});
