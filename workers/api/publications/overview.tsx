/**
 * The Publishing area: one place to reach what publishing has: each account's queue and posting
 * slots with how much waits there and when the next post goes, and the failed publications.
 */
import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { PLATFORM_NAMES, type Platform } from "../../../lib/domain/platforms";
import { can } from "../../../lib/domain/roles";
import { forbidden } from "../../../lib/http/errors";
import { formatLocal } from "../content/time";
import type { AppEnv } from "../types";
import { EmptyState } from "../views/pages";
import { renderPage } from "../views/render";

export const publishingPages = new Hono<AppEnv>();

type AccountLine = { id: string; platform: string; handle: string; status: string; waiting: number; next: number | null };

publishingPages.get("/publishing", async (c) => {
  const { workspace, role } = c.var.access;
  if (!can(role, "accounts.view")) throw forbidden();
  const ws = workspace.id;
  const [accounts, failed] = await Promise.all([
    c.var.db.all<AccountLine>(sql`SELECT a.id, a.platform, a.handle, a.status,
        (SELECT count(*) FROM publications p WHERE p.workspace_id = a.workspace_id AND p.account_id = a.id AND p.status IN ('scheduled', 'waiting', 'unknown')) AS waiting,
        (SELECT min(p.scheduled_at) FROM publications p WHERE p.workspace_id = a.workspace_id AND p.account_id = a.id AND p.status IN ('scheduled', 'waiting')) AS next
      FROM social_accounts a WHERE a.workspace_id = ${ws} ORDER BY a.platform, a.handle`),
    c.var.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM publications WHERE workspace_id = ${ws} AND status = 'failed'`),
  ]);
  const base = `/w/${ws}`;
  return renderPage(
    c,
    { title: "Publishing", area: "publishing", inWorkspace: true },
    <>
      <h1>Publishing</h1>
      <p>
        {failed?.n ? (
          <a href={`${base}/publications/failed`}>
            <strong>{failed.n} failed publications</strong>: see the platforms' messages and retry →
          </a>
        ) : (
          <a href={`${base}/publications/failed`}>No failed publications</a>
        )}
      </p>
      {accounts.length === 0 ? (
        <EmptyState title="No accounts yet">Connect a social account under Accounts; its queue and posting slots appear here.</EmptyState>
      ) : (
        <table id="publishing-accounts">
          <caption>Queues by account</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">Waiting to go out</th>
              <th scope="col">Next ({workspace.timezone})</th>
              <th scope="col"></th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr>
                <th scope="row">
                  {PLATFORM_NAMES[a.platform as Platform] ?? a.platform} · {a.handle}
                </th>
                <td>{a.status}</td>
                <td class="num">{a.waiting}</td>
                <td>{a.next === null ? "—" : formatLocal(a.next, workspace.timezone).replace("T", " ")}</td>
                <td>
                  <a href={`${base}/accounts/${a.id}/queue`}>Queue and posting slots →</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>,
  );
});
