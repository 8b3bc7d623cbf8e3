/** The content list: search and filters (htmx updates the results in place), cursor paging. */
import { asc, eq } from "drizzle-orm";
import { Hono } from "hono";
import { campaigns, CONTENT_KINDS, memberships, users } from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { parseInput } from "../../../lib/http/validate";
import type { AppEnv } from "../types";
import { CsrfField } from "../views/layout";
import { EmptyState, Field } from "../views/pages";
import { renderPage } from "../views/render";
import { listFilters } from "./filters";
import { createContent, listContent, type ContentListItem } from "./service";
import { newContent } from "./inputs";
import { contentFromForm } from "./form";
import { formInput, goTo } from "../lib/respond";
import { STATUS_LABELS } from "./labels";
import { utcMinute } from "../views/format";

export const contentList = new Hono<AppEnv>();

const when = (d: Date | null) => (d ? utcMinute(d) : "");

function Rows(props: { items: ContentListItem[]; base: string; next: string | null; query: string }) {
  return (
    <>
      {props.items.map((item) => (
        <tr>
          <td>
            <a href={`${props.base}/content/${item.id}`}>{item.title}</a>
          </td>
          <td>{item.kind}</td>
          <td>
            <span class={`status status-${item.status}`}>{STATUS_LABELS[item.status] ?? item.status}</span>
          </td>
          <td>{item.tags.join(", ")}</td>
          <td>{item.authorName}</td>
          <td>
            <time datetime={item.updatedAt.toISOString()}>{when(item.updatedAt)}</time>
          </td>
        </tr>
      ))}
      {props.next && (
        <tr id="more-row">
          <td colspan={6}>
            <a
              href={`${props.base}/content?${props.query}&cursor=${encodeURIComponent(props.next)}`}
              hx-get={`${props.base}/content/rows?${props.query}&cursor=${encodeURIComponent(props.next)}`}
              hx-target="#more-row"
              hx-swap="outerHTML"
            >
              More…
            </a>
          </td>
        </tr>
      )}
    </>
  );
}

function queryString(filters: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v && k !== "cursor") params.set(k, v);
  return params.toString();
}

async function page(c: { var: AppEnv["Variables"]; req: { query(): Record<string, string> } }) {
  const raw = c.req.query();
  const filters = parseInput(listFilters, raw);
  const result = await listContent(c.var.db, c.var.access, filters, filters.cursor);
  return { raw, filters, result };
}

contentList.get("/content/rows", async (c) => {
  const { raw, result } = await page(c);
  return c.html(<Rows items={result.items} base={`/w/${c.var.access.workspace.id}`} next={result.nextCursor} query={queryString(raw)} />);
});

contentList.get("/content", async (c) => {
  const { workspace, role } = c.var.access;
  const base = `/w/${workspace.id}`;
  const { raw, filters, result } = await page(c);
  const db = c.var.db;
  const [campaignList, authors] = await Promise.all([
    db.select({ id: campaigns.id, name: campaigns.name }).from(campaigns).where(eq(campaigns.workspaceId, workspace.id)).orderBy(asc(campaigns.name)).all(),
    db
      .select({ id: users.id, name: users.name })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.workspaceId, workspace.id))
      .orderBy(asc(users.name))
      .all(),
  ]);
  const results = (
    <table id="content-results">
      <thead>
        <tr>
          <th>Title</th>
          <th>Kind</th>
          <th>Status</th>
          <th>Tags</th>
          <th>Author</th>
          <th>Updated (UTC)</th>
        </tr>
      </thead>
      <tbody>
        <Rows items={result.items} base={base} next={result.nextCursor} query={queryString(raw)} />
      </tbody>
    </table>
  );
  if (c.req.header("hx-request") && c.req.header("hx-target") === "content-results") return c.html(results);
  return renderPage(
    c,
    { title: "Content", area: "content", inWorkspace: true },
    <>
      <div class="page-head">
        <h1>Content</h1>
        <nav class="actions">
          <a href={`${base}/review`}>Review queue</a>
          <a href={`${base}/campaigns`}>Campaigns &amp; templates</a>
        </nav>
      </div>
      {can(role, "content.edit") && (
        <details class="card">
          <summary>New content</summary>
          <form method="post" action={`${base}/content`}>
            <CsrfField token={c.var.csrfToken} />
            <Field label="Title" name="title" required />
            <Field label="Kind" name="kind">
              <select id="f-kind" name="kind">
                {CONTENT_KINDS.map((k) => (
                  <option value={k}>{k}</option>
                ))}
              </select>
            </Field>
            <button type="submit">Create draft</button>
          </form>
        </details>
      )}
      <form
        class="filters"
        method="get"
        action={`${base}/content`}
        hx-get={`${base}/content`}
        hx-target="#content-results"
        hx-swap="outerHTML"
        hx-push-url="true"
        hx-trigger="submit, input changed delay:300ms from:#f-q, change"
        role="search"
      >
        <Field label="Search" name="q" type="search" value={filters.q} />
        <Field label="Status" name="status">
          <select id="f-status" name="status">
            <option value="">any</option>
            {Object.entries(STATUS_LABELS).map(([value, label]) => (
              <option value={value} selected={filters.status === value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Kind" name="kind">
          <select id="f-kind-filter" name="kind">
            <option value="">any</option>
            {CONTENT_KINDS.map((k) => (
              <option value={k} selected={filters.kind === k}>
                {k}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Tag" name="tag" value={filters.tag} />
        <Field label="Campaign" name="campaignId">
          <select id="f-campaignId" name="campaignId">
            <option value="">any</option>
            {campaignList.map((x) => (
              <option value={x.id} selected={filters.campaignId === x.id}>
                {x.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Author" name="authorId">
          <select id="f-authorId" name="authorId">
            <option value="">anyone</option>
            {authors.map((a) => (
              <option value={a.id} selected={filters.authorId === a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Updated from" name="from" type="date" value={raw.from} />
        <Field label="until" name="to" type="date" value={raw.to} />
        <button type="submit">Filter</button>
      </form>
      {result.items.length === 0 && !filters.cursor && Object.keys(raw).length === 0 ? (
        <EmptyState title="No content yet">Create a draft above, or generate one from a trend.</EmptyState>
      ) : (
        results
      )}
    </>,
  );
});

contentList.post("/content", async (c) => {
  const input = parseInput(newContent, contentFromForm(await formInput(c)));
  const item = await createContent(c.var.db, c.var.access, input);
  return goTo(c, `/w/${c.var.access.workspace.id}/content/${item.id}`);
});

