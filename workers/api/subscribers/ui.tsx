/**
 * Subscriber pages: the list with search and filters, a person's page (consent records, lists,
 * tags, GDPR export and erasure), lists with their hosted form and embeddable snippet, segments with
 * a live count, CSV import with a progress bar and every rejected row, and CSV export.
 */
import { Hono, type Context } from "hono";
import { SUBSCRIBER_STATUSES, type Subscriber, type SubscriberImport } from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { publicPaths } from "../../../lib/email/links";
import { segmentRules } from "../../../lib/email/segments";
import { AppError } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import { formInput, goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { utcMinute } from "../views/format";
import { CsrfField, Flash } from "../views/layout";
import { EmptyState, Field } from "../views/pages";
import { renderPage } from "../views/render";
import { exportCsv, subscriberData } from "./export";
import { embedSnippet } from "./snippet";
import { getImport, importInput, importProgress, listImports, rejectionsCsv, rejectionsOf, startImport } from "./imports";
import { countAudience, createSegment, deleteSegment, listSegments, segmentInput } from "./segments";
import { addSubscriber, createList, eraseSubscriber, getSubscriber, listInput, listLists, listSubscribers, subscriberInput, subscriberUpdate, unsubscribeByAdmin, updateSubscriber } from "./service";

export const subscriberPages = new Hono<AppEnv>();

const base = (c: Context<AppEnv>) => `/w/${c.var.access.workspace.id}`;

function Tabs(props: { base: string; current: string }) {
  const tabs = [
    ["subscribers", "People"],
    ["subscribers/lists", "Lists and forms"],
    ["subscribers/segments", "Segments"],
    ["subscribers/import", "Import"],
  ];
  return (
    <nav class="tabs" aria-label="Subscribers">
      {tabs.map(([href, label]) => (
        <a href={`${props.base}/${href}`} aria-current={href === props.current ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

function StatusBadge(props: { status: Subscriber["status"] }) {
  return <span class={`badge ${props.status === "subscribed" ? "ok" : props.status === "pending" ? "" : "warn"}`}>{props.status}</span>;
}

subscriberPages.get("/subscribers", async (c) => {
  const q = c.req.query();
  const [page, lists] = await Promise.all([listSubscribers(c.var.db, c.var.access, { q: q.q, status: q.status, listId: q.list, before: q.before }), listLists(c.var.db, c.var.access)]);
  const b = base(c);
  const manage = can(c.var.access.role, "subscribers.manage");
  const filters = new URLSearchParams(Object.entries({ q: q.q ?? "", status: q.status ?? "", list: q.list ?? "" }).filter(([, v]) => v));
  return renderPage(
    c,
    { title: "Subscribers", area: "subscribers", inWorkspace: true },
    <>
      <h1>Subscribers</h1>
      <Tabs base={b} current="subscribers" />
      <form method="get" action={`${b}/subscribers`} class="filters">
        <input name="q" type="search" placeholder="Search address or name" value={q.q ?? ""} aria-label="Search" />
        <select name="status" aria-label="Status">
          <option value="">any status</option>
          {SUBSCRIBER_STATUSES.map((s) => (
            <option value={s} selected={q.status === s}>
              {s}
            </option>
          ))}
        </select>
        <select name="list" aria-label="List">
          <option value="">any list</option>
          {lists.map(({ list }) => (
            <option value={list.id} selected={q.list === list.id}>
              {list.name}
            </option>
          ))}
        </select>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      {can(c.var.access.role, "subscribers.export") && (
        <p>
          <a href={`${b}/subscribers.csv`} download hx-boost="false">
            Export all as CSV
          </a>
        </p>
      )}
      {manage && (
        <details class="card">
          <summary>Add a subscriber</summary>
          <form method="post" action={`${b}/subscribers`}>
            <CsrfField token={c.var.csrfToken} />
            <Field label="Email" name="email" type="email" required />
            <Field label="First name" name="firstName" />
            <Field label="Last name" name="lastName" />
            <Field label="Tags (comma-separated)" name="tags" />
            <Field label="List" name="listIds">
              <select id="f-listIds" name="listIds">
                <option value="">none</option>
                {lists.map(({ list }) => (
                  <option value={list.id}>{list.name}</option>
                ))}
              </select>
            </Field>
            <Field label="How did this person agree to receive email?" name="consentText" required hint="Kept as their consent record, for example “asked in person at the launch event, 2026-11-20”." />
            <button type="submit">Add subscriber</button>
          </form>
        </details>
      )}
      {page.subscribers.length === 0 ? (
        <EmptyState title="No subscribers here">Share a list's signup form, import a CSV, or add someone by hand.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Email</th>
              <th>Name</th>
              <th>Status</th>
              <th>Tags</th>
              <th>Since</th>
            </tr>
          </thead>
          <tbody>
            {page.subscribers.map((s) => (
              <tr id={`subscriber-${s.id}`}>
                <td>
                  <a href={`${b}/subscribers/${s.id}`}>{s.email}</a>
                </td>
                <td>{[s.firstName, s.lastName].filter(Boolean).join(" ")}</td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td>{s.tags.join(", ")}</td>
                <td>{utcMinute(s.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page.next && (
        <p>
          <a href={`${b}/subscribers?${filters.toString() ? `${filters}&` : ""}before=${encodeURIComponent(page.next)}`}>Older →</a>
        </p>
      )}
    </>,
  );
});

subscriberPages.post("/subscribers", async (c) => {
  const s = await addSubscriber(c.var.db, c.var.access, parseInput(subscriberInput, await formInput(c)));
  return goTo(c, `${base(c)}/subscribers/${s.id}`);
});

subscriberPages.get("/subscribers.csv", async (c) => {
  const stream = exportCsv(c.var.db, c.var.access);
  return c.body(stream, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="subscribers-${new Date().toISOString().slice(0, 10)}.csv"`, "cache-control": "no-store" });
});

// Lists and their forms.
subscriberPages.get("/subscribers/lists", async (c) => {
  const lists = await listLists(c.var.db, c.var.access);
  const b = base(c);
  const origin = new URL(c.req.url).origin;
  return renderPage(
    c,
    { title: "Lists", area: "subscribers", inWorkspace: true },
    <>
      <h1>Lists and signup forms</h1>
      <Tabs base={b} current="subscribers/lists" />
      {can(c.var.access.role, "subscribers.manage") && (
        <details class="card" open={lists.length === 0}>
          <summary>New list</summary>
          <form method="post" action={`${b}/subscribers/lists`}>
            <CsrfField token={c.var.csrfToken} />
            <Field label="Name" name="name" required />
            <Field label="Description (shown on the signup page)" name="description" />
            <Field label="Consent text (shown beside the checkbox and kept with every consent record)" name="consentText" value="I agree to receive this newsletter by email. I can unsubscribe at any time with the link in every message." />
            <button type="submit">Create list</button>
          </form>
        </details>
      )}
      {lists.length === 0 ? (
        <EmptyState title="No lists yet">A list has its own signup form; people confirm by email before they receive anything.</EmptyState>
      ) : (
        lists.map(({ list, members }) => (
          <section class="card" id={`list-${list.id}`}>
            <h2>
              {list.name} <small class="hint">{members} subscribed</small>
            </h2>
            <p>
              Hosted signup page: <a href={publicPaths.subscribe(list.id)}>{origin + publicPaths.subscribe(list.id)}</a>
            </p>
            <label>
              Embeddable form (paste into any web page)
              <textarea readonly rows={6} style="width:100%;font-family:monospace">
                {embedSnippet(origin, list)}
              </textarea>
            </label>
          </section>
        ))
      )}
    </>,
  );
});

subscriberPages.post("/subscribers/lists", async (c) => {
  await createList(c.var.db, c.var.access, parseInput(listInput, await formInput(c)));
  return goTo(c, `${base(c)}/subscribers/lists`);
});

// Segments: the rule rows of the form become lib/email/segments.ts rules.
const RULE_ROWS = 4;

function rulesFromForm(form: Record<string, string>) {
  const conditions = [];
  for (let i = 0; i < RULE_ROWS; i++) {
    const field = form[`c${i}_field`];
    if (!field) continue;
    const op = form[`c${i}_op`];
    const value = form[`c${i}_value`] ?? "";
    const key = form[`c${i}_key`] ?? "";
    if (field === "tag") conditions.push({ field, op, value });
    else if (field === "attribute") conditions.push({ field, op, key, value });
    else if (field === "engagement" || field === "signup_within") conditions.push({ field, op, days: value });
    else if (field === "signup") conditions.push({ field, op, date: value });
    else if (field === "list") conditions.push({ field, op, listId: value });
    else conditions.push({ field });
  }
  return { match: form.match ?? "all", conditions };
}

const OPS = [
  ["has", "has tag"],
  ["not_has", "does not have tag"],
  ["equals", "attribute equals"],
  ["not_equals", "attribute does not equal"],
  ["contains", "attribute contains"],
  ["exists", "attribute is set"],
  ["active_within", "opened or clicked within (days)"],
  ["inactive_within", "no opens or clicks within (days)"],
  ["before", "signed up before (date)"],
  ["after", "signed up on or after (date)"],
  ["in", "is in list"],
  ["not_in", "is not in list"],
];

subscriberPages.get("/subscribers/segments", async (c) => {
  const [segmentRows, lists] = await Promise.all([listSegments(c.var.db, c.var.access), listLists(c.var.db, c.var.access)]);
  const counts = await Promise.all(segmentRows.map((s) => countAudience(c.var.db, c.var.access, { rules: segmentRules.parse(s.rules) })));
  const b = base(c);
  return renderPage(
    c,
    { title: "Segments", area: "subscribers", inWorkspace: true },
    <>
      <h1>Segments</h1>
      <Tabs base={b} current="subscribers/segments" />
      {can(c.var.access.role, "subscribers.manage") && (
        <form method="post" action={`${b}/subscribers/segments`} class="card" hx-post={`${b}/subscribers/segments/count`} hx-trigger="change, keyup delay:400ms" hx-target="#segment-count" hx-swap="innerHTML">
          <CsrfField token={c.var.csrfToken} />
          <Field label="Name" name="name" />
          <Field label="Match" name="match">
            <select id="f-match" name="match">
              <option value="all">all conditions</option>
              <option value="any">any condition</option>
            </select>
          </Field>
          {Array.from({ length: RULE_ROWS }, (_, i) => (
            <fieldset>
              <legend>Condition {i + 1}</legend>
              <select name={`c${i}_field`} aria-label={`Condition ${i + 1} kind`}>
                <option value="">—</option>
                <option value="tag">tag</option>
                <option value="attribute">attribute</option>
                <option value="engagement">engagement</option>
                <option value="signup">signup date</option>
                <option value="signup_within">signed up within (days)</option>
                <option value="list">list</option>
              </select>
              <select name={`c${i}_op`} aria-label={`Condition ${i + 1} test`}>
                {OPS.map(([v, label]) => (
                  <option value={v}>{label}</option>
                ))}
              </select>
              <input name={`c${i}_key`} placeholder="attribute name" aria-label={`Condition ${i + 1} attribute`} />
              <input name={`c${i}_value`} placeholder="value, days, date or list id" aria-label={`Condition ${i + 1} value`} list="segment-lists" />
            </fieldset>
          ))}
          <datalist id="segment-lists">
            {lists.map(({ list }) => (
              <option value={list.id}>{list.name}</option>
            ))}
          </datalist>
          <p>
            Reaches <strong id="segment-count">…</strong> subscribed people right now.
          </p>
          <button type="submit">Save segment</button>
        </form>
      )}
      <table>
        <thead>
          <tr>
            <th>Segment</th>
            <th>Reaches now</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {segmentRows.map((s, i) => (
            <tr id={`segment-${s.id}`}>
              <td>{s.name}</td>
              <td>{counts[i]}</td>
              <td>
                {can(c.var.access.role, "subscribers.manage") && (
                  <form method="post" action={`${b}/subscribers/segments/${s.id}/delete`}>
                    <CsrfField token={c.var.csrfToken} />
                    <button class="danger">Delete</button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>,
  );
});

subscriberPages.post("/subscribers/segments/count", async (c) => {
  const parsed = segmentRules.safeParse(rulesFromForm(await formInput(c)));
  if (!parsed.success) return c.html(<>{`— (${parsed.error.issues[0]?.message ?? "incomplete rules"})`}</>);
  return c.html(<>{String(await countAudience(c.var.db, c.var.access, { rules: parsed.data }))}</>);
});

subscriberPages.post("/subscribers/segments", async (c) => {
  const form = await formInput(c);
  await createSegment(c.var.db, c.var.access, parseInput(segmentInput, { name: form.name, rules: rulesFromForm(form) }));
  return goTo(c, `${base(c)}/subscribers/segments`);
});

subscriberPages.post("/subscribers/segments/:segmentId/delete", async (c) => {
  await deleteSegment(c.var.db, c.var.access, c.req.param("segmentId"));
  return goTo(c, `${base(c)}/subscribers/segments`);
});

// Import.
subscriberPages.get("/subscribers/import", async (c) => {
  const [lists, imports] = await Promise.all([listLists(c.var.db, c.var.access), listImports(c.var.db, c.var.access)]);
  const b = base(c);
  return renderPage(
    c,
    { title: "Import subscribers", area: "subscribers", inWorkspace: true },
    <>
      <h1>Import subscribers</h1>
      <Tabs base={b} current="subscribers/import" />
      {can(c.var.access.role, "subscribers.manage") && (
        <form method="post" action={`${b}/subscribers/import`} enctype="multipart/form-data" class="card">
          <CsrfField token={c.var.csrfToken} />
          <p class="hint">A CSV file whose first line names the columns: email (required), first_name, last_name, tags (comma-separated); any other column becomes a custom attribute. Up to 25 MB. Addresses on the suppression list are never re-imported.</p>
          <Field label="CSV file" name="file">
            <input id="f-file" type="file" name="file" accept=".csv,text/csv" required />
          </Field>
          <Field label="Add to list" name="listId">
            <select id="f-listId" name="listId">
              <option value="">no list</option>
              {lists.map(({ list }) => (
                <option value={list.id}>{list.name}</option>
              ))}
            </select>
          </Field>
          <Field label="How did these people agree to receive email?" name="consentText" required hint="Kept as each new subscriber's consent record." />
          <button type="submit">Import</button>
        </form>
      )}
      <h2>Recent imports</h2>
      <ul>
        {imports.map((i) => (
          <li>
            <a href={`${b}/subscribers/imports/${i.id}`}>{i.fileName}</a> · {i.status} · {i.added} added, {i.updated} updated, {i.rejected} rejected
          </li>
        ))}
      </ul>
    </>,
  );
});

subscriberPages.post("/subscribers/import", async (c) => {
  const body = await c.req.parseBody();
  const file = body.file;
  if (!(file instanceof File) || file.size === 0) throw new AppError(422, "invalid_request", "file: choose a CSV file", { file: "choose a CSV file" });
  const input = parseInput(importInput, { listId: body.listId, consentText: body.consentText });
  const started = await startImport(c.var.db, c.env.MEDIA, c.env.EMAIL_QUEUE, c.var.access, { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) }, input);
  return goTo(c, `${base(c)}/subscribers/imports/${started.id}`);
});

function ImportProgress(props: { imp: SubscriberImport; base: string }) {
  const { imp } = props;
  const running = imp.status === "queued" || imp.status === "running";
  const url = `${props.base}/subscribers/imports/${imp.id}/progress`;
  return (
    <div id="import-progress" hx-get={running ? url : undefined} hx-trigger={running ? "every 1s" : undefined} hx-swap="outerHTML">
      <progress max="100" value={String(importProgress(imp))} aria-label="Import progress">
        {importProgress(imp)}%
      </progress>{" "}
      {importProgress(imp)}% · {imp.status} · {imp.added} added, {imp.updated} updated, {imp.rejected} rejected
      {imp.error && <Flash kind="error">{imp.error}</Flash>}
      {!running && imp.rejected > 0 && (
        <p>
          <a href={`${props.base}/subscribers/imports/${imp.id}/rejections.csv`}>Download the rejected rows with their reasons (CSV)</a>
        </p>
      )}
    </div>
  );
}

subscriberPages.get("/subscribers/imports/:importId", async (c) => {
  const imp = await getImport(c.var.db, c.var.access, c.req.param("importId"));
  const rejections = await rejectionsOf(c.var.db, c.var.access, imp.id, 200);
  const b = base(c);
  return renderPage(
    c,
    { title: "Import", area: "subscribers", inWorkspace: true },
    <>
      <h1>Import of {imp.fileName}</h1>
      <Tabs base={b} current="subscribers/import" />
      <ImportProgress imp={imp} base={b} />
      {rejections.length > 0 && (
        <>
          <h2>Rejected rows{imp.rejected > rejections.length ? ` (first ${rejections.length} of ${imp.rejected})` : ""}</h2>
          <table>
            <thead>
              <tr>
                <th>Row</th>
                <th>Email</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {rejections.map((r) => (
                <tr>
                  <td>{r.row}</td>
                  <td>{r.email}</td>
                  <td>{r.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>,
  );
});

subscriberPages.get("/subscribers/imports/:importId/progress", async (c) => {
  const imp = await getImport(c.var.db, c.var.access, c.req.param("importId"));
  // When it finishes, reload the whole page so the rejected rows appear.
  if (imp.status === "done" || imp.status === "failed") c.header("HX-Refresh", "true");
  return c.html(<ImportProgress imp={imp} base={base(c)} />);
});

subscriberPages.get("/subscribers/imports/:importId/rejections.csv", async (c) => {
  const csv = await rejectionsCsv(c.var.db, c.var.access, c.req.param("importId"));
  return c.body(csv, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="rejected-rows.csv"' });
});

// One person.
subscriberPages.get("/subscribers/:subscriberId", async (c) => {
  const { subscriber: s, lists, consent } = await getSubscriber(c.var.db, c.var.access, c.req.param("subscriberId"));
  const allLists = await listLists(c.var.db, c.var.access);
  const b = base(c);
  const role = c.var.access.role;
  const mine = new Set(lists.map((l) => l.id));
  return renderPage(
    c,
    { title: s.email, area: "subscribers", inWorkspace: true },
    <>
      <h1>
        {s.email} <StatusBadge status={s.status} />
      </h1>
      <Tabs base={b} current="subscribers" />
      {can(role, "subscribers.manage") && (
        <form method="post" action={`${b}/subscribers/${s.id}`} class="card">
          <CsrfField token={c.var.csrfToken} />
          <Field label="First name" name="firstName" value={s.firstName ?? ""} />
          <Field label="Last name" name="lastName" value={s.lastName ?? ""} />
          <Field label="Tags (comma-separated)" name="tags" value={s.tags.join(", ")} />
          <fieldset>
            <legend>Lists</legend>
            {allLists.map(({ list }) => (
              <label style="display:block">
                <input type="checkbox" name="listIds" value={list.id} checked={mine.has(list.id)} /> {list.name}
              </label>
            ))}
          </fieldset>
          <button type="submit">Save</button>
        </form>
      )}
      <h2>Attributes</h2>
      {Object.keys(s.attributes).length === 0 ? (
        <p class="hint">None.</p>
      ) : (
        <dl>
          {Object.entries(s.attributes).map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </>
          ))}
        </dl>
      )}
      <h2>Consent records</h2>
      <table>
        <thead>
          <tr>
            <th>When (UTC)</th>
            <th>What</th>
            <th>From</th>
            <th>Form</th>
            <th>Text shown</th>
          </tr>
        </thead>
        <tbody>
          {consent.map((r) => (
            <tr>
              <td>{utcMinute(r.createdAt)}</td>
              <td>{r.kind}</td>
              <td>{r.ip ?? ""}</td>
              <td>{r.form ?? ""}</td>
              <td>{r.textShown ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Data protection</h2>
      <div class="row-actions">
        {can(role, "subscribers.export") && <a href={`${b}/subscribers/${s.id}/data.json`}>Export this person's data (JSON)</a>}
        {can(role, "subscribers.manage") && s.status !== "unsubscribed" && (
          <form method="post" action={`${b}/subscribers/${s.id}/unsubscribe`}>
            <CsrfField token={c.var.csrfToken} />
            <button class="secondary">Unsubscribe</button>
          </form>
        )}
        {can(role, "subscribers.erase") && (
          <form method="post" action={`${b}/subscribers/${s.id}/erase`} hx-confirm={`Erase ${s.email} for good? Only a hash stays, so the address is never re-imported.`}>
            <CsrfField token={c.var.csrfToken} />
            <button class="danger">Erase (GDPR)</button>
          </form>
        )}
      </div>
    </>,
  );
});

subscriberPages.post("/subscribers/:subscriberId", async (c) => {
  const body = await c.req.parseBody({ all: true });
  const listIds = ([] as unknown[]).concat(body.listIds ?? []).filter((v): v is string => typeof v === "string" && v !== "");
  const input = parseInput(subscriberUpdate, { firstName: body.firstName ?? null, lastName: body.lastName ?? null, tags: body.tags ?? "", listIds });
  const s = await updateSubscriber(c.var.db, c.var.access, c.req.param("subscriberId"), input);
  return goTo(c, `${base(c)}/subscribers/${s.id}`);
});

subscriberPages.post("/subscribers/:subscriberId/unsubscribe", async (c) => {
  await unsubscribeByAdmin(c.var.db, c.var.access, c.req.param("subscriberId"));
  return goTo(c, `${base(c)}/subscribers/${c.req.param("subscriberId")}`);
});

subscriberPages.post("/subscribers/:subscriberId/erase", async (c) => {
  await eraseSubscriber(c.var.db, c.var.access, c.req.param("subscriberId"));
  return goTo(c, `${base(c)}/subscribers`);
});

subscriberPages.get("/subscribers/:subscriberId/data.json", async (c) => {
  const data = await subscriberData(c.var.db, c.var.access, c.req.param("subscriberId"));
  return c.json(data, 200, { "content-disposition": 'attachment; filename="subscriber-data.json"', "cache-control": "no-store" });
});
