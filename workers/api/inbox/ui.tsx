/**
 * /w/:workspaceId/inbox: comments and mentions from the platforms' webhooks. Open items newest
 * first, a Done tab, a platform filter, pages of 25. "Mark done" posts through htmx (the row goes)
 * or as a plain form (back to the list).
 */
import { Hono } from "hono";
import { PLATFORM_NAMES, PLATFORMS, type Platform } from "../../../lib/domain/platforms";
import { can } from "../../../lib/domain/roles";
import { forbidden } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import { formatLocal } from "../content/time";
import { goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { CsrfField } from "../views/layout";
import { EmptyState } from "../views/pages";
import { renderPage } from "../views/render";
import { inboxFilter, inboxPage, markDone, type InboxFilter, type InboxRow } from "./service";

export const inboxPages = new Hono<AppEnv>();

const platformName = (p: string) => PLATFORM_NAMES[p as Platform] ?? (p === "other" ? "Other" : p);

function href(workspaceId: string, filter: Partial<InboxFilter>): string {
  const query = new URLSearchParams();
  if (filter.status === "done") query.set("status", "done");
  if (filter.platform) query.set("platform", filter.platform);
  if (filter.page && filter.page > 1) query.set("page", String(filter.page));
  const q = query.toString();
  return `/w/${workspaceId}/inbox${q ? `?${q}` : ""}`;
}

inboxPages.get("/inbox", async (c) => {
  const { workspace, role } = c.var.access;
  if (!can(role, "inbox.view")) throw forbidden();
  const filter = parseInput(inboxFilter, c.req.query());
  const { items, hasMore } = await inboxPage(c.var.db, c.var.access, filter);
  const manage = can(role, "inbox.manage");
  const open = filter.status === "open";
  return renderPage(
    c,
    { title: "Inbox", area: "inbox", inWorkspace: true },
    <>
      <h1>Inbox</h1>
      <nav class="tabs" aria-label="Inbox">
        <a href={href(workspace.id, { status: "open", platform: filter.platform })} aria-current={open ? "page" : undefined}>
          Open
        </a>
        <a href={href(workspace.id, { status: "done", platform: filter.platform })} aria-current={open ? undefined : "page"}>
          Done
        </a>
      </nav>
      <form method="get" action={`/w/${workspace.id}/inbox`} class="inline">
        {!open && <input type="hidden" name="status" value="done" />}
        <label for="inbox-platform">Platform</label>{" "}
        <select id="inbox-platform" name="platform">
          <option value="">All platforms</option>
          {[...PLATFORMS, "other"].map((p) => (
            <option value={p} selected={p === filter.platform}>
              {platformName(p)}
            </option>
          ))}
        </select>{" "}
        <button type="submit">Filter</button>
      </form>
      {items.length === 0 ? (
        <EmptyState title={open ? "Nothing waiting" : "Nothing done yet"}>
          Comments on your posts and mentions of your accounts arrive here through the platforms' webhooks (and your own systems', see Settings → Webhooks).
        </EmptyState>
      ) : (
        <table id="inbox-items">
          <thead>
            <tr>
              <th>When ({workspace.timezone})</th>
              <th>Where</th>
              <th>Who</th>
              <th>What</th>
              <th>On</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <Row item={item} workspaceId={workspace.id} timezone={workspace.timezone} csrfToken={c.var.csrfToken} manage={manage && open} />
            ))}
          </tbody>
        </table>
      )}
      <p>
        {filter.page > 1 && <a href={href(workspace.id, { ...filter, page: filter.page - 1 })}>← Newer</a>}{" "}
        {hasMore && <a href={href(workspace.id, { ...filter, page: filter.page + 1 })}>Older →</a>}
      </p>
    </>,
  );
});

function Row(props: { item: InboxRow; workspaceId: string; timezone: string; csrfToken: string; manage: boolean }) {
  const { item } = props;
  const action = `/w/${props.workspaceId}/inbox/${item.id}/done`;
  return (
    <tr id={`inbox-${item.id}`}>
      <td>
        <time datetime={item.occurredAt.toISOString()}>{formatLocal(item.occurredAt.getTime(), props.timezone).replace("T", " ")}</time>
      </td>
      <td>
        {platformName(item.platform)}
        {item.accountHandle && <> · {item.accountHandle}</>} <span class="badge">{item.kind}</span>
      </td>
      <td>{item.author}</td>
      <td>
        {item.text || <span class="hint">(the platform sent no text; open the post to read it)</span>}
        {item.url && (
          <>
            {" "}
            <a href={item.url} rel="noopener noreferrer" target="_blank">
              View on {platformName(item.platform)}
            </a>
          </>
        )}
      </td>
      <td>
        {item.contentId ? <a href={`/w/${props.workspaceId}/content/${item.contentId}`}>Our post</a> : <span class="hint">—</span>}
        {item.publicationUrl && (
          <>
            {" "}
            <a href={item.publicationUrl} rel="noopener noreferrer" target="_blank">
              (live)
            </a>
          </>
        )}
      </td>
      <td>
        {props.manage && (
          <form method="post" action={action} hx-post={action} hx-target={`#inbox-${item.id}`} hx-swap="outerHTML" class="inline">
            <CsrfField token={props.csrfToken} />
            <button type="submit">Mark done</button>
          </form>
        )}
        {item.doneAt && <span class="hint">done {formatLocal(item.doneAt.getTime(), props.timezone).replace("T", " ")}</span>}
      </td>
    </tr>
  );
}

inboxPages.post("/inbox/:itemId/done", async (c) => {
  await markDone(c.var.db, c.var.access, c.req.param("itemId"));
  // htmx swaps the row for nothing (the item left the open list); a plain form goes back to it.
  if (c.req.header("hx-request")) return c.html("");
  return goTo(c, `/w/${c.var.access.workspace.id}/inbox`);
});
