/** Revisions of an item: the list, the difference between any two, and restoring one. */
import { Hono } from "hono";
import { z } from "zod";
import { diffWords } from "../../../lib/content/diff";
import { parseInput } from "../../../lib/http/validate";
import { formInput, goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { CsrfField } from "../views/layout";
import { renderPage } from "../views/render";
import { getContent, getRevision, listRevisions, restoreRevision } from "./service";
import { THREAD_SEPARATOR } from "./form";
import type { ContentRevision } from "../../../lib/db/schema";
import { utcMinute } from "../views/format";

export const contentHistory = new Hono<AppEnv>();

/** The text a revision stands for, as one document, so one diff shows every change. */
export function revisionText(r: Pick<ContentRevision, "title" | "body" | "tags" | "variants">): string {
  const variants = r.variants.map((v) => `[${v.platform}]\n${v.title ? `${v.title}\n` : ""}${[v.text, ...(v.thread ?? [])].join(`\n${THREAD_SEPARATOR}\n`)}${v.link ? `\n${v.link}` : ""}`);
  return [`# ${r.title}`, r.body, `tags: ${r.tags.join(", ")}`, ...variants].join("\n\n");
}

const diffQuery = z.object({
  a: z.coerce.number({ error: "must be a version number" }).int().positive(),
  b: z.coerce.number({ error: "must be a version number" }).int().positive(),
});

contentHistory.get("/content/:contentId/revisions", async (c) => {
  const id = c.req.param("contentId");
  const item = await getContent(c.var.db, c.var.access, id);
  const revisions = await listRevisions(c.var.db, c.var.access, id);
  const base = `/w/${c.var.access.workspace.id}/content/${id}`;
  return renderPage(
    c,
    { title: `Revisions of ${item.title}`, area: "content", inWorkspace: true },
    <>
      <h1>Revisions of “{item.title}”</h1>
      <p>
        <a href={base}>Back to the editor</a>
      </p>
      <form method="get" action={`${base}/diff`} class="filters">
        <label for="f-a">Compare version</label>
        <select id="f-a" name="a">
          {revisions.map((r, i) => (
            <option value={String(r.version)} selected={i === 1}>
              v{r.version}
            </option>
          ))}
        </select>
        <label for="f-b">with</label>
        <select id="f-b" name="b">
          {revisions.map((r, i) => (
            <option value={String(r.version)} selected={i === 0}>
              v{r.version}
            </option>
          ))}
        </select>
        <button type="submit">Show differences</button>
      </form>
      <table>
        <thead>
          <tr>
            <th>Version</th>
            <th>Saved (UTC)</th>
            <th>By</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {revisions.map((r) => (
            <tr>
              <td>v{r.version}</td>
              <td>{utcMinute(r.createdAt)}</td>
              <td>{r.authorName ?? ""}</td>
              <td>
                {r.version !== item.version && (
                  <form method="post" action={`${base}/revisions/${r.version}/restore`} hx-confirm={`Restore version ${r.version}? It becomes a new version; nothing is lost.`}>
                    <CsrfField token={c.var.csrfToken} />
                    <input type="hidden" name="basedOn" value={String(item.version)} />
                    <button type="submit" class="secondary">
                      Restore
                    </button>
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

contentHistory.get("/content/:contentId/diff", async (c) => {
  const id = c.req.param("contentId");
  const { a, b } = parseInput(diffQuery, c.req.query());
  const [item, older, newer] = await Promise.all([
    getContent(c.var.db, c.var.access, id),
    getRevision(c.var.db, c.var.access, id, a),
    getRevision(c.var.db, c.var.access, id, b),
  ]);
  const hunks = diffWords(revisionText(older), revisionText(newer));
  return renderPage(
    c,
    { title: `v${a} → v${b}`, area: "content", inWorkspace: true },
    <>
      <h1>
        “{item.title}”: v{a} → v{b}
      </h1>
      <p>
        <a href={`/w/${c.var.access.workspace.id}/content/${id}/revisions`}>All revisions</a>
      </p>
      <pre class="diff">
        {hunks.map((h) => (h.op === "equal" ? h.text : h.op === "insert" ? <ins>{h.text}</ins> : <del>{h.text}</del>))}
      </pre>
    </>,
  );
});

const restoreInput = z.object({ basedOn: z.coerce.number({ error: "is required" }).int().positive() });

contentHistory.post("/content/:contentId/revisions/:version/restore", async (c) => {
  const id = c.req.param("contentId");
  const version = parseInput(z.coerce.number({ error: "must be a version number" }).int().positive(), c.req.param("version"));
  const { basedOn } = parseInput(restoreInput, await formInput(c));
  await restoreRevision(c.var.db, c.var.access, id, version, basedOn);
  return goTo(c, `/w/${c.var.access.workspace.id}/content/${id}`);
});
