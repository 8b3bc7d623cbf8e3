/**
 * The accounts page: connected social accounts and their health, a banner for any whose sign-in is
 * about to die or has died (with a Reconnect button), "Connect" for each OAuth platform the operator
 * configured (oauth-ui.tsx runs the flow), and Bluesky with an app password.
 */
import { Hono } from "hono";
import { PLATFORM_NAMES, type Platform } from "../../../lib/domain/platforms";
import { can } from "../../../lib/domain/roles";
import { parseInput } from "../../../lib/http/validate";
import { formInput, goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { utcMinute } from "../views/format";
import { CsrfField } from "../views/layout";
import { EmptyState, Field } from "../views/pages";
import { renderPage } from "../views/render";
import { oauthPlatforms, type OAuthPlatform } from "./oauth";
import { oauthPages } from "./oauth-ui";
import { blueskyInput, connectBluesky, disconnectAccount, listAccounts, type AccountView } from "./service";

export const accountPages = new Hono<AppEnv>();

function Health(props: { account: AccountView }) {
  const a = props.account;
  if (a.status === "expiring") return <span class="badge warn">sign-in expiring{a.tokenExpiresAt ? ` ${utcMinute(a.tokenExpiresAt)}` : ""}: reconnect{a.lastError ? ` (${a.lastError})` : ""}</span>;
  if (a.status === "error" || a.status === "expired") return <span class="badge warn">needs reconnecting: {a.lastError ?? "the platform refused its credentials"}</span>;
  if (a.tokenExpiresAt && a.tokenExpiresAt.getTime() < Date.now() + 7 * 86400_000) return <span class="badge warn">sign-in expires {utcMinute(a.tokenExpiresAt)}: reconnect</span>;
  return <span class="badge ok">connected</span>;
}

/** A form that starts the platform's connect flow again (Bluesky reconnects with its form below). */
function ConnectButton(props: { base: string; platform: string; csrf: string; label: string; instance?: string }) {
  if (props.platform === "bluesky") return <a href="#connect-bluesky">{props.label}</a>;
  const action = `${props.base}/accounts/connect/${props.platform}`;
  return (
    <form method="post" action={action} hx-post={action} style="display: inline">
      <CsrfField token={props.csrf} />
      {props.instance && <input type="hidden" name="instance" value={props.instance} />}
      <button type="submit">{props.label}</button>
    </form>
  );
}

/** Accounts whose sign-in is about to die or has died: said before any post fails, not after. */
function ReconnectBanner(props: { accounts: AccountView[]; base: string; csrf: string; manage: boolean }) {
  const troubled = props.accounts.filter((a) => a.status !== "connected");
  if (troubled.length === 0) return null;
  return (
    <section class="flash error" role="alert" id="reconnect-banner">
      {troubled.map((a) => {
        const name = PLATFORM_NAMES[a.platform as Platform] ?? a.platform;
        const what = a.status === "expiring" ? `${name} sign-in of ${a.handle} expires${a.tokenExpiresAt ? ` ${utcMinute(a.tokenExpiresAt)}` : " soon"}` : `${name} no longer accepts the sign-in of ${a.handle}`;
        return (
          <div>
            {what}
            {a.lastError ? `: ${a.lastError}` : ""}.{" "}
            {props.manage ? <ConnectButton base={props.base} platform={a.platform} csrf={props.csrf} label="Reconnect" instance={a.platform === "mastodon" ? a.serviceUrl : undefined} /> : "Ask an owner or admin to reconnect it."}
          </div>
        );
      })}
    </section>
  );
}

function ConnectPlatform(props: { p: OAuthPlatform; base: string; csrf: string }) {
  const { p } = props;
  if (!p.configured) {
    return (
      <p id={`connect-${p.platform}`}>
        {p.name}: <span class="hint">not configured by the operator ({p.secrets.join(" and ")} not set)</span>
      </p>
    );
  }
  const action = `${props.base}/accounts/connect/${p.platform}`;
  return (
    <form method="post" action={action} hx-post={action} id={`connect-${p.platform}`}>
      <CsrfField token={props.csrf} />
      {p.perInstance && <Field label={`${p.name} instance`} name="instance" hint="for example mastodon.social" required />}
      <button type="submit">Connect {p.name}</button>
    </form>
  );
}

accountPages.route("/", oauthPages);

accountPages.get("/accounts", async (c) => {
  const { workspace, role } = c.var.access;
  const base = `/w/${workspace.id}`;
  const accounts = await listAccounts(c.var.db, c.var.access);
  const manage = can(role, "accounts.manage");
  return renderPage(
    c,
    { title: "Accounts", area: "accounts", inWorkspace: true },
    <>
      <div class="page-head">
        <h1>Accounts</h1>
        <nav class="actions">
          <a href={`${base}/publications/failed`}>Failed publications</a>
        </nav>
      </div>
      <ReconnectBanner accounts={accounts} base={base} csrf={c.var.csrfToken} manage={manage} />
      {accounts.length === 0 ? (
        <EmptyState title="No accounts connected">Connect an account, then schedule approved content: each variant goes to the accounts of its platform.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Platform</th>
              <th>Account</th>
              <th>Health</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr id={`account-${a.id}`}>
                <td>{PLATFORM_NAMES[a.platform as Platform] ?? a.platform}</td>
                <td>
                  {a.handle}
                  <br />
                  <small class="hint">{a.serviceUrl}</small>
                </td>
                <td>
                  <Health account={a} />
                </td>
                <td class="row-actions">
                  <a href={`${base}/accounts/${a.id}/queue`}>Queue and slots</a>
                  {manage && (
                    <form method="post" action={`${base}/accounts/${a.id}/disconnect`} hx-post={`${base}/accounts/${a.id}/disconnect`} hx-target={`#account-${a.id}`} hx-swap="outerHTML" hx-confirm={`Disconnect ${a.handle}? Its published posts stay on ${PLATFORM_NAMES[a.platform as Platform] ?? a.platform}.`}>
                      <CsrfField token={c.var.csrfToken} />
                      <button type="submit" class="secondary">
                        Disconnect
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <section class="card">
          <h2>Connect an account</h2>
          {oauthPlatforms(c.env).map((p) => (
            <ConnectPlatform p={p} base={base} csrf={c.var.csrfToken} />
          ))}
        </section>
      )}
      {manage && (
        <details class="card" open={accounts.length === 0} id="connect-bluesky">
          <summary>Connect Bluesky</summary>
          <p class="hint">
            Use an app password (Bluesky: Settings → Privacy and security → App passwords), never your main password. It is stored encrypted and only used to
            renew the session.
          </p>
          <form method="post" action={`${base}/accounts/bluesky`}>
            <CsrfField token={c.var.csrfToken} />
            <Field label="Handle" name="handle" hint="for example name.bsky.social" required />
            <Field label="App password" name="appPassword" type="password" autocomplete="off" required />
            <Field label="PDS" name="serviceUrl" type="url" hint="leave empty for https://bsky.social" />
            <button type="submit">Connect</button>
          </form>
        </details>
      )}
    </>,
  );
});

accountPages.post("/accounts/bluesky", async (c) => {
  await connectBluesky(c.env, c.var.db, c.var.access, parseInput(blueskyInput, await formInput(c)));
  return goTo(c, `/w/${c.var.access.workspace.id}/accounts`);
});

accountPages.post("/accounts/:accountId/disconnect", async (c) => {
  await disconnectAccount(c.var.db, c.var.access, c.req.param("accountId"));
  if (c.req.header("hx-request")) return c.body("", 200);
  return goTo(c, `/w/${c.var.access.workspace.id}/accounts`);
});
