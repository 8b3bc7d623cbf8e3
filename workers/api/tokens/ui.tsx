import { Hono } from "hono";
import { tokenInput } from "../../../lib/domain/inputs";
import { parseInput } from "../../../lib/http/validate";
import { formInput, goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { CsrfField, SettingsTabs } from "../views/layout";
import { EmptyState, Field } from "../views/pages";
import { renderPage } from "../views/render";
import { createToken, listTokens, revokeToken, type TokenListing } from "./service";
import { utcMinute } from "../views/format";

export const tokenPages = new Hono<AppEnv>();

const when = (d: Date | null) => (d ? `${utcMinute(d)} UTC` : "never");

function TokenTable(props: { tokens: TokenListing[]; workspaceId: string; csrfToken: string; created?: { name: string; secret: string } }) {
  return (
    <section id="tokens">
      {props.created && (
        <div class="flash ok" role="status">
          <p>
            Token <strong>{props.created.name}</strong> created. Copy it now: it will not be shown again.
          </p>
          <input class="secret" readonly value={props.created.secret} aria-label="New API token" />
        </div>
      )}
      {props.tokens.length === 0 ? (
        <EmptyState title="No API tokens">Create one to script this workspace through the API (see /api/docs).</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Token</th>
              <th>Scope</th>
              <th>Created by</th>
              <th>Last used</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {props.tokens.map((t) => (
              <tr class={t.revokedAt ? "revoked" : undefined}>
                <td>{t.name}</td>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td>{t.scope}</td>
                <td>{t.createdByName}</td>
                <td>{when(t.lastUsedAt)}</td>
                <td>
                  {t.revokedAt ? (
                    `revoked ${when(t.revokedAt)}`
                  ) : (
                    <form
                      method="post"
                      action={`/w/${props.workspaceId}/tokens/${t.id}/revoke`}
                      hx-post={`/w/${props.workspaceId}/tokens/${t.id}/revoke`}
                      hx-target="#tokens"
                      hx-swap="outerHTML"
                      hx-confirm={`Revoke "${t.name}"? Scripts using it will stop working at once.`}
                    >
                      <CsrfField token={props.csrfToken} />
                      <button type="submit" class="danger">
                        Revoke
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

tokenPages.get("/tokens", async (c) => {
  const { workspace, role } = c.var.access;
  const tokens = await listTokens(c.var.db, c.var.access);
  return renderPage(
    c,
    { title: "API tokens", area: "settings", inWorkspace: true },
    <>
      <h1>API tokens</h1>
      <SettingsTabs workspaceId={workspace.id} current="tokens" role={role} />
      <p class="hint">
        A token acts as you, limited by its scope: <em>read</em> tokens can only read. Send it as <code>Authorization: Bearer …</code> to{" "}
        <a href="/api/docs">the API</a>.
      </p>
      <form method="post" action={`/w/${workspace.id}/tokens`} hx-post={`/w/${workspace.id}/tokens`} hx-target="#tokens" hx-swap="outerHTML">
        <CsrfField token={c.var.csrfToken} />
        <Field label="Name" name="name" required hint="What the token is for, for example “CI publish script”." />
        <Field label="Scope" name="scope">
          <select id="f-scope" name="scope">
            <option value="read">read</option>
            <option value="write">write</option>
          </select>
        </Field>
        <button type="submit">Create token</button>
      </form>
      <TokenTable tokens={tokens} workspaceId={workspace.id} csrfToken={c.var.csrfToken} />
    </>,
  );
});

tokenPages.post("/tokens", async (c) => {
  const input = parseInput(tokenInput, await formInput(c));
  const { secret } = await createToken(c.var.db, c.var.access, input);
  const tokens = await listTokens(c.var.db, c.var.access);
  // Shown in the answer to the creating request only; a plain form gets the same page, not a redirect,
  // because a redirect would have to carry the secret in the URL.
  const table = <TokenTable tokens={tokens} workspaceId={c.var.access.workspace.id} csrfToken={c.var.csrfToken} created={{ name: input.name, secret }} />;
  if (c.req.header("hx-request")) return c.html(table);
  return renderPage(c, { title: "API tokens", area: "settings", inWorkspace: true }, <>
    <h1>API tokens</h1>
    <p>
      <a href={`/w/${c.var.access.workspace.id}/tokens`}>Back to tokens</a>
    </p>
    {table}
  </>, 201);
});

tokenPages.post("/tokens/:tokenId/revoke", async (c) => {
  await revokeToken(c.var.db, c.var.access, c.req.param("tokenId"));
  if (c.req.header("hx-request")) {
    const tokens = await listTokens(c.var.db, c.var.access);
    return c.html(<TokenTable tokens={tokens} workspaceId={c.var.access.workspace.id} csrfToken={c.var.csrfToken} />);
  }
  return goTo(c, `/w/${c.var.access.workspace.id}/tokens`);
});
