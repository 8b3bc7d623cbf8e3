/** The accounts page: connected social accounts and their health; connect Bluesky with an app password. */
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
import { blueskyInput, connectBluesky, disconnectAccount, listAccounts, type AccountView } from "./service";

export const accountPages = new Hono<AppEnv>();

function Health(props: { account: AccountView }) {
  const a = props.account;
  if (a.status === "error" || a.status === "expired") return <span class="badge warn">needs reconnecting: {a.lastError ?? "the platform refused its credentials"}</span>;
  if (a.tokenExpiresAt && a.tokenExpiresAt.getTime() < Date.now() + 7 * 86400_000) return <span class="badge warn">sign-in expires {utcMinute(a.tokenExpiresAt)}: reconnect</span>;
  return <span class="badge ok">connected</span>;
}

accountPages.get("/accounts", async (c) => {
  const { workspace, role } = c.var.access;
  const base = `/w/${workspace.id}`;
  const accounts = await listAccounts(c.var.db, c.var.access);
  const manage = can(role, "accounts.manage");
  return renderPage(
    c,
    { title: "Accounts", area: "accounts", inWorkspace: true },
    <>
      <h1>Accounts</h1>
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
        <details class="card" open={accounts.length === 0}>
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
