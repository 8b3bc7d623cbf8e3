/**
 * Newsletter pages: issues built from content items, the preview (HTML in its own page, the text
 * part inline), test sends, starting or scheduling a send to a list or segment, a send's live
 * progress with pause, resume and cancel, and the provider settings.
 */
import { and, desc, eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { content, EMAIL_PROVIDERS, type EmailSend } from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { parseInput } from "../../../lib/http/validate";
import { formatLocal, localToInstant } from "../content/time";
import { formInput, goTo } from "../lib/respond";
import { listLists } from "../subscribers/service";
import { listSegments } from "../subscribers/segments";
import type { AppEnv } from "../types";
import { utcMinute } from "../views/format";
import { CsrfField, Flash } from "../views/layout";
import { EmptyState, Field } from "../views/pages";
import { renderPage } from "../views/render";
import { changeSend, createNewsletter, getNewsletter, getSend, listNewsletters, listSends, newsletterInput, preview, sendInput, startSend, testSend, testSendInput, updateNewsletter } from "./service";
import { getSettings, saveSettings, settingsInput } from "./settings";

export const newsletterPages = new Hono<AppEnv>();

const base = (c: Context<AppEnv>) => `/w/${c.var.access.workspace.id}`;
const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin;

function contentChoices(c: Context<AppEnv>) {
  return c.var.db
    .select({ id: content.id, title: content.title, kind: content.kind })
    .from(content)
    .where(and(eq(content.workspaceId, c.var.access.workspace.id)))
    .orderBy(desc(content.updatedAt))
    .limit(100)
    .all();
}

function NewsletterForm(props: { action: string; csrf: string; choices: { id: string; title: string; kind: string }[]; value?: { subject: string; preheader: string; intro: string; contentIds: string[] }; submit: string }) {
  const v = props.value ?? { subject: "", preheader: "", intro: "Hello {{first_name|there}},", contentIds: [] };
  const chosen = new Set(v.contentIds);
  // Chosen items first, in their order, then the rest.
  const ordered = [...v.contentIds.flatMap((id) => props.choices.filter((ch) => ch.id === id)), ...props.choices.filter((ch) => !chosen.has(ch.id))];
  return (
    <form method="post" action={props.action} class="card">
      <CsrfField token={props.csrf} />
      <Field label="Subject" name="subject" value={v.subject} required hint="Personalise with {{first_name|there}}: the name, or “there” when it is missing." />
      <Field label="Preheader (the preview line mail apps show after the subject)" name="preheader" value={v.preheader} />
      <Field label="Introduction (Markdown)" name="intro">
        <textarea id="f-intro" name="intro" rows={5}>
          {v.intro}
        </textarea>
      </Field>
      <fieldset>
        <legend>Content items, in order</legend>
        {ordered.length === 0 && <p class="hint">Write articles or newsletters in Content first.</p>}
        {ordered.map((ch) => (
          <label style="display:block">
            <input type="checkbox" name="contentIds" value={ch.id} checked={chosen.has(ch.id)} /> {ch.title} <small class="hint">({ch.kind})</small>
          </label>
        ))}
      </fieldset>
      <button type="submit">{props.submit}</button>
    </form>
  );
}

async function newsletterForm(c: Context<AppEnv>) {
  const body = await c.req.parseBody({ all: true });
  const contentIds = ([] as unknown[]).concat(body.contentIds ?? []).filter((v): v is string => typeof v === "string");
  return parseInput(newsletterInput, { subject: body.subject, preheader: body.preheader, intro: body.intro, contentIds });
}

newsletterPages.get("/newsletters", async (c) => {
  const [rows, sends, settings, choices] = await Promise.all([listNewsletters(c.var.db, c.var.access), listSends(c.var.db, c.var.access), getSettings(c.var.db, c.var.access), contentChoices(c)]);
  const b = base(c);
  const role = c.var.access.role;
  return renderPage(
    c,
    { title: "Newsletters", area: "newsletters", inWorkspace: true },
    <>
      <h1>Newsletters</h1>
      <p>
        <a href={`${b}/newsletters/settings`}>Email settings</a>
        {settings ? ` · sending through ${settings.provider} as ${settings.fromName} <${settings.fromEmail}>` : ""}
      </p>
      {!settings && <Flash kind="error">No email provider yet: choose one in Email settings before sending.</Flash>}
      {can(role, "newsletters.edit") && (
        <details class="card" open={rows.length === 0}>
          <summary>New newsletter</summary>
          <NewsletterForm action={`${b}/newsletters`} csrf={c.var.csrfToken} choices={choices} submit="Create newsletter" />
        </details>
      )}
      {rows.length === 0 ? (
        <EmptyState title="No newsletters yet">A newsletter gathers content items into one email, with a plain-text part and an unsubscribe link in every copy.</EmptyState>
      ) : (
        <ul>
          {rows.map((n) => (
            <li>
              <a href={`${b}/newsletters/${n.id}`}>{n.subject}</a> <small class="hint">updated {utcMinute(n.updatedAt)}</small>
            </li>
          ))}
        </ul>
      )}
      <h2>Sends</h2>
      <SendTable sends={sends} base={b} zone={c.var.access.workspace.timezone} />
    </>,
  );
});

/** A send's time on the workspace's wall clock, as posts are scheduled and shown. */
const localMinute = (at: Date, zone: string) => `${formatLocal(at.getTime(), zone).replace("T", " ")} ${zone}`;

function SendTable(props: { sends: EmailSend[]; base: string; zone: string }) {
  if (props.sends.length === 0) return <p class="hint">Nothing sent yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Subject</th>
          <th>Status</th>
          <th>Sent</th>
          <th>When</th>
        </tr>
      </thead>
      <tbody>
        {props.sends.map((s) => (
          <tr>
            <td>
              <a href={`${props.base}/newsletters/sends/${s.id}`}>{s.subject}</a>
            </td>
            <td>{s.status}</td>
            <td>
              {s.sent} / {s.total}
            </td>
            <td>{localMinute(s.scheduledAt, props.zone)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

newsletterPages.post("/newsletters", async (c) => {
  const n = await createNewsletter(c.var.db, c.var.access, await newsletterForm(c));
  return goTo(c, `${base(c)}/newsletters/${n.id}`);
});

newsletterPages.get("/newsletters/settings", async (c) => {
  const s = await getSettings(c.var.db, c.var.access);
  const b = base(c);
  const editable = can(c.var.access.role, "email.configure");
  return renderPage(
    c,
    { title: "Email settings", area: "newsletters", inWorkspace: true },
    <>
      <h1>Email settings</h1>
      {!editable && <p class="hint">Only owners and admins change these.</p>}
      <form method="post" action={`${b}/newsletters/settings`} class="card">
        <CsrfField token={c.var.csrfToken} />
        <Field label="Provider" name="provider">
          <select id="f-provider" name="provider">
            {EMAIL_PROVIDERS.map((p) => (
              <option value={p} selected={s?.provider === p}>
                {p}
              </option>
            ))}
          </select>
        </Field>
        <Field label="API key" name="apiKey" type="password" hint={s ? "Saved and encrypted; leave empty to keep it." : "Stored encrypted; never shown again."} />
        <Field label="From address" name="fromEmail" type="email" value={s?.fromEmail ?? ""} required />
        <Field label="From name" name="fromName" value={s?.fromName ?? c.var.access.workspace.name} required />
        <Field label="Reply-to (optional)" name="replyTo" type="email" value={s?.replyTo ?? ""} />
        <Field label="Unsubscribe mailbox (the mailto: in List-Unsubscribe)" name="unsubscribeMailto" type="email" value={s?.unsubscribeMailto ?? ""} required />
        <Field label="Postal address (footer)" name="postalAddress" value={s?.postalAddress ?? ""} />
        <Field label="Messages per second your provider allows" name="ratePerSecond" type="number" value={String(s?.ratePerSecond ?? 100)} />
        <Field
          label="SendGrid Event Webhook verification key"
          name="webhookPublicKey"
          value={s?.webhookPublicKey ?? ""}
          hint={`Enable the Signed Event Webhook in SendGrid, post it to ${origin(c)}/api/webhooks/email/sendgrid/${c.var.access.workspace.id}, and paste the verification key here.`}
        />
        <p class="field">
          <label>
            <input type="checkbox" name="trackingEnabled" checked={s?.trackingEnabled ?? false} /> Track opens and clicks (a pixel and signed redirect links; off by default)
          </label>
        </p>
        {editable && <button type="submit">Save settings</button>}
      </form>
    </>,
  );
});

newsletterPages.post("/newsletters/settings", async (c) => {
  const form = await formInput(c);
  await saveSettings(c.var.db, c.env, c.var.access, parseInput(settingsInput, { ...form, trackingEnabled: form.trackingEnabled ?? "off" }));
  return goTo(c, `${base(c)}/newsletters/settings`);
});

function Progress(props: { base: string; send: EmailSend; counts: Record<string, number>; csrf: string; canSend: boolean; zone: string }) {
  const { send, counts } = props;
  const live = ["scheduled", "preparing", "sending"].includes(send.status);
  const done = counts.sent! + counts.failed! + counts.skipped! + counts.unconfirmed!;
  const percent = send.total ? Math.floor((done / send.total) * 100) : send.status === "sent" ? 100 : 0;
  const action = (name: string, label: string, cls = "secondary") => (
    <form method="post" action={`${props.base}/newsletters/sends/${send.id}/${name}`}>
      <CsrfField token={props.csrf} />
      <button class={cls}>{label}</button>
    </form>
  );
  return (
    <div id="send-progress" hx-get={live ? `${props.base}/newsletters/sends/${send.id}/progress` : undefined} hx-trigger={live ? "every 2s" : undefined} hx-swap="outerHTML">
      <p>
        <span class="badge">{send.status}</span> {send.status === "scheduled" ? `for ${localMinute(send.scheduledAt, props.zone)}` : ""}
      </p>
      <progress max="100" value={String(percent)} aria-label="Send progress">
        {percent}%
      </progress>{" "}
      {percent}% · {counts.sent} sent of {send.total} · {counts.failed} failed · {counts.skipped} skipped (unsubscribed meanwhile) · {counts.unconfirmed} unconfirmed
      {send.lastError && <Flash kind="error">{send.lastError}</Flash>}
      {props.canSend && (
        <div class="row-actions">
          {(send.status === "sending" || send.status === "preparing") && action("pause", "Pause")}
          {send.status === "paused" && action("resume", "Resume")}
          {["scheduled", "preparing", "sending", "paused"].includes(send.status) && action("cancel", "Cancel", "danger")}
        </div>
      )}
    </div>
  );
}

newsletterPages.get("/newsletters/sends/:sendId", async (c) => {
  const { send, counts } = await getSend(c.var.db, c.var.access, c.req.param("sendId"));
  const b = base(c);
  return renderPage(
    c,
    { title: `Send: ${send.subject}`, area: "newsletters", inWorkspace: true },
    <>
      <h1>{send.subject}</h1>
      <p>
        <a href={`${b}/newsletters/${send.newsletterId}`}>← the newsletter</a>
      </p>
      <Progress base={b} send={send} counts={counts} csrf={c.var.csrfToken} canSend={can(c.var.access.role, "newsletters.send")} zone={c.var.access.workspace.timezone} />
    </>,
  );
});

newsletterPages.get("/newsletters/sends/:sendId/progress", async (c) => {
  const { send, counts } = await getSend(c.var.db, c.var.access, c.req.param("sendId"));
  return c.html(<Progress base={base(c)} send={send} counts={counts} csrf={c.var.csrfToken} canSend={can(c.var.access.role, "newsletters.send")} zone={c.var.access.workspace.timezone} />);
});

for (const action of ["pause", "resume", "cancel"] as const) {
  newsletterPages.post(`/newsletters/sends/:sendId/${action}`, async (c) => {
    const send = await changeSend(c.var.db, c.env, c.var.access, c.req.param("sendId"), action);
    return goTo(c, `${base(c)}/newsletters/sends/${send.id}`);
  });
}

newsletterPages.get("/newsletters/:newsletterId", async (c) => {
  const n = await getNewsletter(c.var.db, c.var.access, c.req.param("newsletterId"));
  const [choices, lists, segmentRows, sends, sample] = await Promise.all([
    contentChoices(c),
    listLists(c.var.db, c.var.access).catch(() => []),
    listSegments(c.var.db, c.var.access).catch(() => []),
    listSends(c.var.db, c.var.access, n.id),
    preview(c.var.db, c.var.access, n.id, { first_name: null, last_name: null, email: "reader@example.com" }),
  ]);
  const b = base(c);
  const role = c.var.access.role;
  const zone = c.var.access.workspace.timezone;
  return renderPage(
    c,
    { title: n.subject, area: "newsletters", inWorkspace: true },
    <>
      <h1>{n.subject}</h1>
      <p>
        <a href={`${b}/newsletters/${n.id}/preview`} target="_blank" rel="noopener">
          Open the HTML preview
        </a>{" "}
        · <a href={`${b}/newsletters/${n.id}/preview?first_name=Ada`}>as “Ada”</a>
      </p>
      <details>
        <summary>Plain-text part</summary>
        <pre>{sample.text}</pre>
      </details>
      {can(role, "newsletters.edit") && (
        <>
          <NewsletterForm action={`${b}/newsletters/${n.id}`} csrf={c.var.csrfToken} choices={choices} value={n} submit="Save" />
          <form method="post" action={`${b}/newsletters/${n.id}/test`} class="card">
            <CsrfField token={c.var.csrfToken} />
            <Field label="Send a test to (up to 5 addresses)" name="to" />
            <button type="submit" class="secondary">
              Send test
            </button>
          </form>
        </>
      )}
      {can(role, "newsletters.send") && (
        <form method="post" action={`${b}/newsletters/${n.id}/send`} class="card">
          <CsrfField token={c.var.csrfToken} />
          <h2>Send</h2>
          <Field label="To list" name="listId">
            <select id="f-listId" name="listId">
              <option value="">every subscriber</option>
              {lists.map(({ list }) => (
                <option value={list.id}>{list.name}</option>
              ))}
            </select>
          </Field>
          <Field label="Only the segment" name="segmentId">
            <select id="f-segmentId" name="segmentId">
              <option value="">no segment</option>
              {segmentRows.map((s) => (
                <option value={s.id}>{s.name}</option>
              ))}
            </select>
          </Field>
          <Field label={`Schedule for (${zone}; empty sends now)`} name="scheduledAt" type="datetime-local" />
          <button type="submit">Send</button>
        </form>
      )}
      <h2>Sends of this newsletter</h2>
      <SendTable sends={sends} base={b} zone={c.var.access.workspace.timezone} />
    </>,
  );
});

newsletterPages.post("/newsletters/:newsletterId", async (c) => {
  const n = await updateNewsletter(c.var.db, c.var.access, c.req.param("newsletterId"), await newsletterForm(c));
  return goTo(c, `${base(c)}/newsletters/${n.id}`);
});

newsletterPages.get("/newsletters/:newsletterId/preview", async (c) => {
  const p = await preview(c.var.db, c.var.access, c.req.param("newsletterId"), { first_name: c.req.query("first_name") ?? null, last_name: null, email: "reader@example.com" });
  return c.html(p.html);
});

newsletterPages.post("/newsletters/:newsletterId/test", async (c) => {
  const { to } = parseInput(testSendInput, await formInput(c));
  const count = await testSend(c.var.db, c.env, c.var.access, c.req.param("newsletterId"), to, origin(c));
  if (c.req.header("hx-request")) return c.html(<Flash kind="ok">{`Test sent to ${count} address${count === 1 ? "" : "es"}.`}</Flash>, 200, { "HX-Retarget": "#flash", "HX-Reswap": "innerHTML" });
  return goTo(c, `${base(c)}/newsletters/${c.req.param("newsletterId")}`);
});

newsletterPages.post("/newsletters/:newsletterId/send", async (c) => {
  const form = await formInput(c);
  const zone = c.var.access.workspace.timezone;
  const scheduledAt = form.scheduledAt ? localToInstant(form.scheduledAt, zone).toISOString() : undefined;
  const send = await startSend(c.var.db, c.env, c.var.access, c.req.param("newsletterId"), parseInput(sendInput, { listId: form.listId, segmentId: form.segmentId, scheduledAt }), origin(c));
  return goTo(c, `${base(c)}/newsletters/sends/${send.id}`);
});

