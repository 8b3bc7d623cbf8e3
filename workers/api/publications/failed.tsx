/**
 * Publications that failed for good (after their retries, or refused by the platform): the
 * workspace's dead letters, each with the platform's message and a Retry that puts the item's
 * failed publications back on schedule (the workflow's `retry`, which looks for the post first).
 */
import { Hono } from "hono";
import { PLATFORM_NAMES, type Platform } from "../../../lib/domain/platforms";
import { can } from "../../../lib/domain/roles";
import { formatLocal } from "../content/time";
import type { AppEnv } from "../types";
import { CsrfField } from "../views/layout";
import { EmptyState } from "../views/pages";
import { renderPage } from "../views/render";
import { failedPublications } from "./service";

export const failedPages = new Hono<AppEnv>();

failedPages.get("/publications/failed", async (c) => {
  const { workspace, role } = c.var.access;
  const failed = await failedPublications(c.var.db, c.var.access);
  const retry = can(role, "content.edit");
  return renderPage(
    c,
    { title: "Failed publications", area: "accounts", inWorkspace: true },
    <>
      <h1>Failed publications</h1>
      {failed.length === 0 ? (
        <EmptyState title="Nothing failed">Publications that fail for good (after their retries, or refused by the platform) are listed here with the platform's message.</EmptyState>
      ) : (
        <table id="failed-publications">
          <thead>
            <tr>
              <th>Content</th>
              <th>Account</th>
              <th>Failed ({workspace.timezone})</th>
              <th>Platform's message</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {failed.map((p) => (
              <tr>
                <td>
                  <a href={`/w/${workspace.id}/content/${p.contentId}`}>{p.title}</a>
                </td>
                <td>
                  {PLATFORM_NAMES[p.platform as Platform] ?? p.platform} · {p.handle}
                </td>
                <td>{formatLocal(p.updatedAt.getTime(), workspace.timezone).replace("T", " ")}</td>
                <td class="error-text">
                  {p.lastError ?? "no message"} ({p.attempts} attempt{p.attempts === 1 ? "" : "s"})
                </td>
                <td>
                  {retry && p.contentStatus === "failed" && (
                    <form method="post" action={`/w/${workspace.id}/content/${p.contentId}/transition`} class="inline">
                      <CsrfField token={c.var.csrfToken} />
                      <button type="submit" name="action" value="retry">
                        Retry
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>,
  );
});
