/**
 * /w/:workspaceId/webhooks/inbound (webhooks.manage): the workspace's generic inbound endpoint, its
 * secret (created or rotated here, shown once), how to sign a request, the platforms' callback URLs,
 * and the last events received. The outgoing webhooks page (/webhooks) links here.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { can } from "../../../lib/domain/roles";
import { forbidden } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import { formatLocal } from "../content/time";
import { formInput } from "../lib/respond";
import type { AppEnv } from "../types";
import { CsrfField, Flash, SettingsTabs } from "../views/layout";
import { EmptyState } from "../views/pages";
import { renderPage } from "../views/render";
import { recentInboundEvents } from "./record";
import { inboundSecretInfo, rotateInboundSecret } from "./secret";

export const inboundWebhookPages = new Hono<AppEnv>();

function allowed(c: Context<AppEnv>) {
  if (!can(c.var.access.role, "webhooks.manage")) throw forbidden();
}

async function page(c: Context<AppEnv>, shownSecret?: { secret: string; rotated: boolean }) {
  const { workspace, role } = c.var.access;
  const origin = new URL(c.req.url).origin;
  const endpoint = `${origin}/api/webhooks/in/${workspace.id}`;
  const info = await inboundSecretInfo(c.var.db, workspace.id);
  const events = await recentInboundEvents(c.var.db, workspace.id);
  const action = `/w/${workspace.id}/webhooks/inbound/secret`;
  return renderPage(
    c,
    { title: "Inbound webhooks", area: "settings", inWorkspace: true },
    <>
      <h1>Inbound webhooks</h1>
      <SettingsTabs workspaceId={workspace.id} current="webhooks" role={role} />
      <p>
        <a href={`/w/${workspace.id}/webhooks`}>← Outgoing webhooks</a>
      </p>
      {shownSecret && (
        <Flash kind="ok">
          {shownSecret.rotated ? "The secret was replaced; the old one no longer works." : "The secret was created."} Copy it now: it is not shown again.
          <p>
            <input id="inbound-secret" readonly value={shownSecret.secret} size={60} aria-label="Inbound webhook secret" />
          </p>
        </Flash>
      )}
      <section class="card">
        <h2>Your endpoint</h2>
        <p>Your own systems can send events to this workspace. Comments and mentions sent here appear in the inbox.</p>
        <p>
          <label for="inbound-url">Endpoint URL</label>
          <input id="inbound-url" readonly value={endpoint} size={70} />
        </p>
        <p>
          {info ? <>A secret is set (since {formatLocal(info.createdAt.getTime(), workspace.timezone).replace("T", " ")}, {workspace.timezone}).</> : "No secret yet: the endpoint refuses every request until one is created."}
        </p>
        <form method="post" action={action} hx-confirm={info ? "Replace the secret? Senders using the old one will be refused from now on." : undefined}>
          <CsrfField token={c.var.csrfToken} />
          {info && (
            <p>
              <label>
                <input type="checkbox" name="confirm" value="yes" required /> I understand the current secret stops working at once.
              </label>
            </p>
          )}
          <button type="submit">{info ? "Rotate secret" : "Create secret"}</button>
        </form>
        <h3>Signing a request</h3>
        <p>
          The Standard Webhooks scheme: send <code>webhook-id</code> (a unique id), <code>webhook-timestamp</code> (Unix seconds, within 5 minutes of now) and{" "}
          <code>webhook-signature: v1,&lt;base64 HMAC-SHA256&gt;</code> of <code>&lt;id&gt;.&lt;timestamp&gt;.&lt;raw body&gt;</code>, keyed with the base64-decoded part of the
          secret after <code>whsec_</code>. The body is JSON: <code>{'{"id": "…", "type": "…", "occurredAt"?: "ISO 8601", "data"?: {…}}'}</code>; an <code>id</code> seen before is
          accepted and ignored. Types <code>comment</code> and <code>mention</code> add an inbox item from <code>data</code>: <code>author</code>, <code>text</code>, and optionally{" "}
          <code>url</code> and <code>platform</code>.
        </p>
      </section>
      <section class="card">
        <h2>Platform webhooks</h2>
        <p>Callback URLs to give the platforms (the verify token and app secrets are the server's settings, not the workspace's):</p>
        <ul>
          <li>
            Facebook and Instagram (Meta app webhooks): <code>{origin}/api/webhooks/meta</code>
          </li>
          <li>
            Threads: <code>{origin}/api/webhooks/threads</code>
          </li>
          <li>
            X (Account Activity API): <code>{origin}/api/webhooks/x</code>
          </li>
        </ul>
      </section>
      <h2>Last events received</h2>
      {events.length === 0 ? (
        <EmptyState title="No events yet">Events from the platforms and from your endpoint are listed here as they arrive.</EmptyState>
      ) : (
        <table id="inbound-events">
          <thead>
            <tr>
              <th>Received ({workspace.timezone})</th>
              <th>From</th>
              <th>Type</th>
              <th>Event id</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr>
                <td>{formatLocal(e.receivedAt.getTime(), workspace.timezone).replace("T", " ")}</td>
                <td>{e.source}</td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>
                  <code>{e.eventId}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>,
  );
}

inboundWebhookPages.get("/webhooks/inbound", async (c) => {
  allowed(c);
  return page(c);
});

const rotateForm = z.object({ confirm: z.literal("yes", { error: "tick the box to replace the current secret" }).optional() });

inboundWebhookPages.post("/webhooks/inbound/secret", async (c) => {
  allowed(c);
  const form = parseInput(rotateForm, await formInput(c));
  const existing = await inboundSecretInfo(c.var.db, c.var.access.workspace.id);
  if (existing && form.confirm !== "yes") parseInput(z.object({ confirm: z.literal("yes", { error: "tick the box to replace the current secret" }) }), form);
  const shown = await rotateInboundSecret(c.var.db, c.env, c.var.access);
  // The secret goes out in this answer only (never stored readable, never in a URL or redirect).
  c.header("Cache-Control", "no-store");
  return page(c, shown);
});
