/**
 * Publications that failed for good (after their retries, or refused by the platform): the
 * workspace's dead letters, each with the platform's message and a Retry that puts the item's
 * failed publications back on schedule (the workflow's `retry`, which looks for the post first).
 */
import { and, desc, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { Db } from "../../../lib/db/client";
import { content, publications, socialAccounts } from "../../../lib/db/schema";
import { PLATFORM_NAMES, type Platform } from "../../../lib/domain/platforms";
import { can } from "../../../lib/domain/roles";
import { forbidden } from "../../../lib/http/errors";
import { formatLocal } from "../content/time";
import type { AppEnv, WorkspaceAccess } from "../types";
import { CsrfField } from "../views/layout";
import { EmptyState } from "../views/pages";
import { renderPage } from "../views/render";

export type FailedPublication = { id: string; contentId: string; title: string; contentStatus: string; platform: string; handle: string; attempts: number; lastError: string | null; updatedAt: Date };

export async function failedPublications(db: Db, access: WorkspaceAccess, limit = 200): Promise<FailedPublication[]> {
  if (!can(access.role, "accounts.view")) throw forbidden();
  return db
    .select({
      id: publications.id,
      contentId: publications.contentId,
      title: content.title,
      contentStatus: content.status,
      platform: socialAccounts.platform,
      handle: socialAccounts.handle,
      attempts: publications.attempts,
      lastError: publications.lastError,
      updatedAt: publications.updatedAt,
    })
    .from(publications)
    .innerJoin(content, eq(content.id, publications.contentId))
    .innerJoin(socialAccounts, eq(socialAccounts.id, publications.accountId))
    .where(and(eq(publications.workspaceId, access.workspace.id), eq(publications.status, "failed")))
    .orderBy(desc(publications.updatedAt))
    .limit(limit)
    .all();
}

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
