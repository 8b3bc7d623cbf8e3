/**
 * Settings → Webhooks: outgoing endpoints (list, add, change events, disable/enable, delete, send a
 * test) and each endpoint's delivery log. Forms work without JavaScript; htmx swaps the fragments.
 * The secret is in the answer to the creating request only.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import { WEBHOOK_EVENT_LABELS, WEBHOOK_EVENT_TYPES } from "../../../lib/webhooks/events";
import { goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { CsrfField, SettingsTabs } from "../views/layout";
import { EmptyState, Field } from "../views/pages";
import { renderPage } from "../views/render";
import { utcMinute } from "../views/format";
import {
  createEndpoint,
  deleteEndpoint,
  endpointInput,
  endpointUpdate,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  sendTest,
  updateEndpoint,
  type DeliveryPage,
  type EndpointView,
} from "./service";

export const webhookPages = new Hono<AppEnv>();

const when = (d: Date | null) => (d ? `${utcMinute(d)} UTC` : "never");

/** A submitted form with repeated fields (the event checkboxes) kept as arrays. */
async function formFields(c: Context<AppEnv>): Promise<Record<string, string | string[]>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) {
    throw new AppError(415, "unsupported_media_type", "Send the form as application/x-www-form-urlencoded or multipart/form-data.");
  }
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === "_csrf") continue;
    const strings = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
    out[key] = key === "eventTypes" ? strings : (strings[0] ?? "");
  }
  return out;
}

const eventsOf = (form: Record<string, string | string[]>) => (Array.isArray(form.eventTypes) ? form.eventTypes : []);

function StatusBadge(props: { endpoint: EndpointView }) {
  const e = props.endpoint;
  if (e.status === "disabled") return <span class="badge warn">disabled</span>;
  if (e.failingSince) return <span class="badge warn">failing since {when(e.failingSince)}</span>;
  return <span class="badge ok">active</span>;
}

function EventBoxes(props: { checked: string[] }) {
  return (
    <fieldset>
      <legend>Events</legend>
      {WEBHOOK_EVENT_TYPES.map((type) => (
        <label style="display:block">
          <input type="checkbox" name="eventTypes" value={type} checked={props.checked.includes(type)} /> {WEBHOOK_EVENT_LABELS[type]} <code>{type}</code>
        </label>
      ))}
    </fieldset>
  );
}

function EndpointTable(props: { endpoints: EndpointView[]; workspaceId: string; created?: { url: string; secret: string } }) {
  return (
    <section id="endpoints">
      {props.created && (
        <div class="flash ok" role="status">
          <p>
            Endpoint <strong>{props.created.url}</strong> added. Copy its signing secret now: it will not be shown again.
          </p>
          <input class="secret" readonly value={props.created.secret} aria-label="Signing secret" />
        </div>
      )}
      {props.endpoints.length === 0 ? (
        <EmptyState title="No webhook endpoints">Add an https URL to be told when content is approved, posts go out, subscribers come and go, or a send finishes.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>URL</th>
              <th>Events</th>
              <th>Status</th>
              <th>Last success</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {props.endpoints.map((e) => (
              <tr>
                <td>
                  <code>{e.url}</code>
                  {e.description && <div class="hint">{e.description}</div>}
                </td>
                <td>{e.eventTypes.join(", ")}</td>
                <td>
                  <StatusBadge endpoint={e} />
                </td>
                <td>{when(e.lastSuccessAt)}</td>
                <td>
                  <a href={`/w/${props.workspaceId}/webhooks/endpoints/${e.id}`}>Deliveries and settings</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Intro(props: { workspaceId: string }) {
  return (
    <p class="hint">
      Each request is a signed JSON POST following <a href="https://www.standardwebhooks.com/">Standard Webhooks</a>: verify the <code>webhook-signature</code> header
      with the endpoint's <code>whsec_…</code> secret over <code>webhook-id.webhook-timestamp.body</code>. Failed deliveries are retried with backoff for 3 days; an
      endpoint that fails for 3 days in a row is disabled. Platforms sending to us: <a href={`/w/${props.workspaceId}/webhooks/inbound`}>Inbound webhooks</a>.
    </p>
  );
}

webhookPages.get("/webhooks", async (c) => {
  const { workspace, role } = c.var.access;
  const endpoints = await listEndpoints(c.var.db, c.var.access);
  return renderPage(
    c,
    { title: "Webhooks", area: "settings", inWorkspace: true },
    <>
      <h1>Webhooks</h1>
      <SettingsTabs workspaceId={workspace.id} current="webhooks" role={role} />
      <Intro workspaceId={workspace.id} />
      <EndpointTable endpoints={endpoints} workspaceId={workspace.id} />
      <h2>Add an endpoint</h2>
      <form method="post" action={`/w/${workspace.id}/webhooks`} hx-post={`/w/${workspace.id}/webhooks`} hx-target="#endpoints" hx-swap="outerHTML">
        <CsrfField token={c.var.csrfToken} />
        <Field label="URL" name="url" type="url" required hint="https only, on a public host." />
        <Field label="Description" name="description" hint="Optional: what receives these, for example “CRM sync”." />
        <EventBoxes checked={[]} />
        <button type="submit">Add endpoint</button>
      </form>
    </>,
  );
});

webhookPages.post("/webhooks", async (c) => {
  const form = await formFields(c);
  const input = parseInput(endpointInput, { url: form.url, description: form.description, eventTypes: eventsOf(form) });
  const { endpoint, secret } = await createEndpoint(c.env, c.var.db, c.var.access, input);
  const endpoints = await listEndpoints(c.var.db, c.var.access);
  const table = <EndpointTable endpoints={endpoints} workspaceId={c.var.access.workspace.id} created={{ url: endpoint.url, secret }} />;
  if (c.req.header("hx-request")) return c.html(table, 201);
  // The same page, not a redirect: a redirect would have to carry the secret in the URL.
  return renderPage(
    c,
    { title: "Webhooks", area: "settings", inWorkspace: true },
    <>
      <h1>Webhooks</h1>
      <p>
        <a href={`/w/${c.var.access.workspace.id}/webhooks`}>Back to webhooks</a>
      </p>
      {table}
    </>,
    201,
  );
});

function DeliveryLog(props: { page: DeliveryPage; workspaceId: string; endpointId: string }) {
  const { deliveries, nextBefore } = props.page;
  return (
    <section id="deliveries">
      <h2>Deliveries</h2>
      {deliveries.length === 0 ? (
        <EmptyState title="No deliveries yet">Events this endpoint subscribes to, and tests, appear here.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>When (UTC)</th>
              <th>Event</th>
              <th>Attempts</th>
              <th>Status</th>
              <th>Response</th>
              <th>Error</th>
              <th>Next attempt</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr>
                <td>
                  <time datetime={d.createdAt.toISOString()}>{utcMinute(d.createdAt)}</time>
                </td>
                <td>
                  <code>{d.eventType}</code>
                  <div class="hint">
                    <code>{d.id}</code>
                  </div>
                </td>
                <td>{d.attempts}</td>
                <td>{d.status}</td>
                <td>
                  {d.lastStatus ?? "—"}
                  {d.lastResponse && (
                    <div class="hint">
                      <code>{d.lastResponse.slice(0, 120)}</code>
                    </div>
                  )}
                </td>
                <td>{d.lastError ?? ""}</td>
                <td>{d.nextAttemptAt && d.status === "pending" ? when(d.nextAttemptAt) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextBefore && (
        <p>
          <a href={`/w/${props.workspaceId}/webhooks/endpoints/${props.endpointId}?before=${encodeURIComponent(nextBefore)}`}>Older deliveries</a>
        </p>
      )}
    </section>
  );
}

const logQuery = z.object({ before: z.string().max(100).optional() });

webhookPages.get("/webhooks/endpoints/:endpointId", async (c) => {
  const { workspace, role } = c.var.access;
  const id = c.req.param("endpointId");
  const endpoint = await getEndpoint(c.var.db, c.var.access, id);
  const { before } = parseInput(logQuery, c.req.query());
  const page = await listDeliveries(c.var.db, c.var.access, id, before);
  const base = `/w/${workspace.id}/webhooks/endpoints/${id}`;
  return renderPage(
    c,
    { title: "Webhook endpoint", area: "settings", inWorkspace: true },
    <>
      <h1>Webhook endpoint</h1>
      <SettingsTabs workspaceId={workspace.id} current="webhooks" role={role} />
      <p>
        <a href={`/w/${workspace.id}/webhooks`}>All endpoints</a>
      </p>
      <p>
        <code>{endpoint.url}</code> <StatusBadge endpoint={endpoint} />
      </p>
      {endpoint.status === "disabled" && (
        <div class="flash error" role="alert">
          Disabled {when(endpoint.disabledAt)}: {endpoint.disabledReason ?? "no reason recorded"}.
        </div>
      )}
      <div class="row-actions">
        <form method="post" action={`${base}/test`} hx-post={`${base}/test`} hx-target="#test-result" hx-swap="innerHTML">
          <CsrfField token={c.var.csrfToken} />
          <button type="submit">Send test</button>
        </form>
        <form method="post" action={`${base}/${endpoint.status === "active" ? "disable" : "enable"}`}>
          <CsrfField token={c.var.csrfToken} />
          <button type="submit">{endpoint.status === "active" ? "Disable" : "Enable again"}</button>
        </form>
      </div>
      <div id="test-result" aria-live="polite"></div>
      <h2>Settings</h2>
      <form method="post" action={base}>
        <CsrfField token={c.var.csrfToken} />
        <Field label="Description" name="description" value={endpoint.description} />
        <EventBoxes checked={endpoint.eventTypes} />
        <button type="submit">Save</button>
      </form>
      <DeliveryLog page={page} workspaceId={workspace.id} endpointId={id} />
      <h2>Delete</h2>
      <form method="post" action={`${base}/delete`} hx-post={`${base}/delete`} hx-confirm="Delete this endpoint and its delivery log? Nothing more will be sent to it.">
        <CsrfField token={c.var.csrfToken} />
        <label>
          <input type="checkbox" name="confirm" value="yes" required /> Yes, delete this endpoint and its delivery log
        </label>{" "}
        <button type="submit" class="danger">
          Delete endpoint
        </button>
      </form>
    </>,
  );
});

webhookPages.post("/webhooks/endpoints/:endpointId", async (c) => {
  const form = await formFields(c);
  const id = c.req.param("endpointId");
  await updateEndpoint(c.var.db, c.var.access, id, parseInput(endpointUpdate, { description: form.description ?? "", eventTypes: eventsOf(form) }));
  return goTo(c, `/w/${c.var.access.workspace.id}/webhooks/endpoints/${id}`);
});

for (const [action, active] of [
  ["enable", true],
  ["disable", false],
] as const) {
  webhookPages.post(`/webhooks/endpoints/:endpointId/${action}`, async (c) => {
    const id = c.req.param("endpointId");
    await updateEndpoint(c.var.db, c.var.access, id, { active });
    return goTo(c, `/w/${c.var.access.workspace.id}/webhooks/endpoints/${id}`);
  });
}

webhookPages.post("/webhooks/endpoints/:endpointId/delete", async (c) => {
  const form = await formFields(c);
  if (form.confirm !== "yes") throw new AppError(422, "invalid_request", "confirm: tick the box to confirm the deletion", { confirm: "tick the box to confirm the deletion" });
  await deleteEndpoint(c.var.db, c.var.access, c.req.param("endpointId"));
  return goTo(c, `/w/${c.var.access.workspace.id}/webhooks`);
});

webhookPages.post("/webhooks/endpoints/:endpointId/test", async (c) => {
  const id = c.req.param("endpointId");
  const result = await sendTest(c.env, c.var.db, c.var.access, id);
  const outcome = result.delivered ? (
    <div class="flash ok" role="status">
      Test delivered: the endpoint answered {result.status}.
    </div>
  ) : (
    <div class="flash error" role="alert">
      Test failed: {result.error}
      {result.excerpt && (
        <div>
          <code>{result.excerpt.slice(0, 200)}</code>
        </div>
      )}
    </div>
  );
  if (c.req.header("hx-request")) return c.html(outcome);
  const workspaceId = c.var.access.workspace.id;
  return renderPage(
    c,
    { title: "Webhook test", area: "settings", inWorkspace: true },
    <>
      <h1>Webhook test</h1>
      {outcome}
      <p>
        <a href={`/w/${workspaceId}/webhooks/endpoints/${id}`}>Back to the endpoint</a>
      </p>
    </>,
  );
});
