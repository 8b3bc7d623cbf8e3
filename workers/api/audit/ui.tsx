import { Hono } from "hono";
import { z } from "zod";
import { parseInput } from "../../../lib/http/validate";
import type { AppEnv } from "../types";
import { SettingsTabs } from "../views/layout";
import { EmptyState } from "../views/pages";
import { renderPage } from "../views/render";
import { auditPage } from "./service";

export const auditPages = new Hono<AppEnv>();

export const auditQuery = z.object({ before: z.coerce.number({ error: "must be a number" }).int().positive().optional() });

auditPages.get("/audit", async (c) => {
  const { workspace, role } = c.var.access;
  const { before } = parseInput(auditQuery, c.req.query());
  const { entries, nextBefore } = await auditPage(c.var.db, c.var.access, before);
  return renderPage(
    c,
    { title: "Audit log", area: "settings", inWorkspace: true },
    <>
      <h1>Audit log</h1>
      <SettingsTabs workspaceId={workspace.id} current="audit" role={role} />
      {entries.length === 0 ? (
        <EmptyState title="No events">Every change in this workspace is recorded here.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>When (UTC)</th>
              <th>Who</th>
              <th>What</th>
              <th>On</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr>
                <td>
                  <time datetime={e.createdAt.toISOString()}>{e.createdAt.toISOString().slice(0, 19).replace("T", " ")}</time>
                </td>
                <td>
                  {e.actorName ?? "deleted user"}
                  {e.actorTokenId && <span class="badge">API token</span>}
                </td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  {e.targetType} <code>{e.targetId}</code>
                </td>
                <td>
                  <code>{e.detail ? JSON.stringify(e.detail) : ""}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextBefore && (
        <p>
          <a href={`/w/${workspace.id}/audit?before=${nextBefore}`}>Older events →</a>
        </p>
      )}
    </>,
  );
});
