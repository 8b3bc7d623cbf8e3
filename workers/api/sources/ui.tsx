/** The sources page: add a source, see each one's health, pause, resume, run now, delete. */
import { Hono } from "hono";
import { SOURCE_KINDS, type Source } from "../../../lib/db/schema";
import { can } from "../../../lib/domain/roles";
import { parseInput } from "../../../lib/http/validate";
import { formInput, goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { utcMinute } from "../views/format";
import { CsrfField, Flash } from "../views/layout";
import { EmptyState, Field } from "../views/pages";
import { renderPage } from "../views/render";
import { AppError } from "../../../lib/http/errors";
import { exportOpml, importOpml } from "./opml";
import { createSource, deleteSource, listSources, recentItems, runNow, setPaused, sourceInput } from "./service";

export const sourcePages = new Hono<AppEnv>();

function Health(props: { source: Source }) {
  const s = props.source;
  if (s.paused) return <span class="badge">paused</span>;
  if (s.failures > 0)
    return (
      <span class="badge warn" title={s.lastError ?? ""}>
        failing ×{s.failures}: {s.lastError}
      </span>
    );
  return <span class="badge ok">{s.lastSuccessAt ? `ok ${utcMinute(s.lastSuccessAt)}` : "waiting for its first run"}</span>;
}

function SourceRow(props: { source: Source; base: string; manage: boolean; csrf: string }) {
  const { source: s, base } = props;
  const action = (path: string, label: string, confirm?: string) => (
    <form method="post" action={`${base}/sources/${s.id}/${path}`} hx-post={`${base}/sources/${s.id}/${path}`} hx-target={`#source-${s.id}`} hx-swap="outerHTML" hx-confirm={confirm}>
      <CsrfField token={props.csrf} />
      <button type="submit" class={path === "delete" ? "danger" : "secondary"}>
        {label}
      </button>
    </form>
  );
  return (
    <tr id={`source-${s.id}`}>
      <td>
        {s.name}
        <br />
        <small class="hint">{s.url}</small>
      </td>
      <td>
        {s.kind}
        {s.needsJs && <small class="hint"> · in a browser</small>}
      </td>
      <td>every {s.intervalMinutes} min</td>
      <td>
        <Health source={s} />
      </td>
      <td>{s.itemsFound}</td>
      <td class="row-actions">
        {props.manage && (
          <>
            {s.paused ? action("resume", "Resume") : action("pause", "Pause")}
            {!s.paused && action("run", "Run now")}
            {action("delete", "Delete", `Delete “${s.name}”? Its items are deleted too.`)}
          </>
        )}
      </td>
    </tr>
  );
}

sourcePages.get("/sources", async (c) => {
  const { workspace, role } = c.var.access;
  const base = `/w/${workspace.id}`;
  const [list, items] = await Promise.all([listSources(c.var.db, c.var.access), recentItems(c.var.db, c.var.access, 30)]);
  const manage = can(role, "sources.manage");
  return renderPage(
    c,
    { title: "Sources", area: "sources", inWorkspace: true },
    <>
      <h1>Sources</h1>
      {manage && (
        <details class="card" open={list.length === 0}>
          <summary>Add a source</summary>
          <form method="post" action={`${base}/sources`}>
            <CsrfField token={c.var.csrfToken} />
            <Field label="Kind" name="kind">
              <select id="f-kind" name="kind">
                {SOURCE_KINDS.map((k) => (
                  <option value={k}>{k.replace("_", " ")}</option>
                ))}
              </select>
            </Field>
            <Field label="URL (feed, page or sitemap)" name="url" type="url" />
            <Field label="Subreddit, Hacker News list (top, new, best), YouTube channel id, or country (Google Trends)" name="query" />
            <Field label="Name (optional)" name="name" />
            <Field label="Check every (minutes)" name="intervalMinutes" type="number" value="60" />
            <p class="field checkbox">
              <label>
                <input type="checkbox" name="needsJs" value="on" /> Needs JavaScript (pages and sitemaps: read in a browser, slower)
              </label>
            </p>
            <button type="submit">Add source</button>
          </form>
          <form method="post" action={`${base}/sources/opml`} enctype="multipart/form-data" class="opml">
            <CsrfField token={c.var.csrfToken} />
            <label>
              Import feeds from an OPML file <input type="file" name="file" accept=".opml,.xml,text/xml" required />
            </label>
            <button type="submit" class="secondary">
              Import
            </button>
          </form>
        </details>
      )}
      <p>
        <a href={`${base}/sources.opml`}>Export feeds as OPML</a>
      </p>
      {list.length === 0 ? (
        <EmptyState title="No sources yet">Add a feed, a page, a subreddit, Hacker News, a YouTube channel or Google Trends.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Source</th>
              <th>Kind</th>
              <th>Schedule</th>
              <th>Health</th>
              <th>Items</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <SourceRow source={s} base={base} manage={manage} csrf={c.var.csrfToken} />
            ))}
          </tbody>
        </table>
      )}
      <h2>Latest items</h2>
      {items.length === 0 ? (
        <p class="hint">Items appear here after the sources' first runs.</p>
      ) : (
        <ul class="items">
          {items.map((i) => (
            <li>
              <a href={i.url} rel="noopener noreferrer nofollow">
                {i.title}
              </a>{" "}
              <span class="hint">
                {i.author ? `${i.author} · ` : ""}
                {i.publishedAt ? utcMinute(i.publishedAt) : ""}
              </span>
            </li>
          ))}
        </ul>
      )}
    </>,
  );
});

sourcePages.post("/sources", async (c) => {
  await createSource(c.var.db, c.var.access, parseInput(sourceInput, await formInput(c)));
  return goTo(c, `/w/${c.var.access.workspace.id}/sources`);
});

for (const [path, paused] of [
  ["pause", true],
  ["resume", false],
] as const) {
  sourcePages.post(`/sources/:sourceId/${path}`, async (c) => {
    const source = await setPaused(c.var.db, c.var.access, c.req.param("sourceId"), paused);
    if (c.req.header("hx-request")) return c.html(<SourceRow source={source} base={`/w/${c.var.access.workspace.id}`} manage csrf={c.var.csrfToken} />);
    return goTo(c, `/w/${c.var.access.workspace.id}/sources`);
  });
}

sourcePages.post("/sources/:sourceId/run", async (c) => {
  await runNow(c.var.db, c.env.SCRAPE_QUEUE, c.var.access, c.req.param("sourceId"));
  if (c.req.header("hx-request")) return c.html(<Flash kind="ok">Queued: the source runs within a minute.</Flash>, 200, { "HX-Retarget": "#flash", "HX-Reswap": "innerHTML" });
  return goTo(c, `/w/${c.var.access.workspace.id}/sources`);
});

sourcePages.post("/sources/:sourceId/delete", async (c) => {
  await deleteSource(c.var.db, c.var.access, c.req.param("sourceId"));
  if (c.req.header("hx-request")) return c.body("", 200);
  return goTo(c, `/w/${c.var.access.workspace.id}/sources`);
});

sourcePages.post("/sources/opml", async (c) => {
  const body = await c.req.parseBody();
  const file = body.file;
  if (!(file instanceof File) || file.size === 0) throw new AppError(422, "invalid_request", "file: choose an OPML file", { file: "choose an OPML file" });
  if (file.size > 1024 * 1024) throw new AppError(413, "file_too_large", "The OPML file is larger than 1 MB.");
  const report = await importOpml(c.var.db, c.var.access, await file.text());
  return renderPage(
    c,
    { title: "OPML import", area: "sources", inWorkspace: true },
    <>
      <h1>OPML import</h1>
      <Flash kind="ok">{`${report.added} feed${report.added === 1 ? "" : "s"} added.`}</Flash>
      {report.skipped.length > 0 && (
        <>
          <h2>Not added</h2>
          <ul>
            {report.skipped.map((s) => (
              <li>
                <code>{s.url}</code>: {s.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        <a href={`/w/${c.var.access.workspace.id}/sources`}>Back to sources</a>
      </p>
    </>,
  );
});

sourcePages.get("/sources.opml", async (c) =>
  c.body(await exportOpml(c.var.db, c.var.access), 200, {
    "Content-Type": "text/x-opml; charset=utf-8",
    "Content-Disposition": 'attachment; filename="sources.opml"',
  }),
);
