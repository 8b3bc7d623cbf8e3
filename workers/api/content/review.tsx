/** Workflow actions and comments from the editor, the review queue, and a member's notifications. */
import { and, desc, eq, isNull } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { content, notifications, users } from "../../../lib/db/schema";
import { parseInput } from "../../../lib/http/validate";
import { formInput, goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { CsrfField } from "../views/layout";
import { EmptyState } from "../views/pages";
import { renderPage } from "../views/render";
import { localToInstant } from "./time";
import { addComment, transitionContent } from "./workflow";
import { utcMinute } from "../views/format";
import { chooseScheduleTime } from "../publications/slots";

export const contentReview = new Hono<AppEnv>();

const transitionForm = z.object({
  action: z.string({ error: "is required" }).min(1, "is required"),
  comment: z.string().max(2000, "must be at most 2,000 characters").optional(),
  scheduledAt: z.string().optional(),
});

contentReview.post("/content/:contentId/transition", async (c) => {
  const id = c.req.param("contentId");
  const input = parseInput(transitionForm, await formInput(c));
  const scheduledAt = input.scheduledAt ? localToInstant(input.scheduledAt, c.var.access.workspace.timezone) : undefined;
  const transition = await chooseScheduleTime(c.var.db, c.var.access, id, { action: input.action, comment: input.comment, scheduledAt });
  await transitionContent(c.var.db, c.var.access, id, transition, c.env.PUBLISH_QUEUE);
  return goTo(c, `/w/${c.var.access.workspace.id}/content/${id}`);
});

const commentForm = z.object({ body: z.string({ error: "is required" }).trim().min(1, "is required").max(5000, "must be at most 5,000 characters") });

contentReview.post("/content/:contentId/comments", async (c) => {
  const id = c.req.param("contentId");
  const { body } = parseInput(commentForm, await formInput(c));
  await addComment(c.var.db, c.var.access, id, body);
  return goTo(c, `/w/${c.var.access.workspace.id}/content/${id}`);
});

contentReview.get("/review", async (c) => {
  const { workspace } = c.var.access;
  const items = await c.var.db
    .select({ id: content.id, title: content.title, kind: content.kind, updatedAt: content.updatedAt, authorName: users.name })
    .from(content)
    .innerJoin(users, eq(users.id, content.authorId))
    .where(and(eq(content.workspaceId, workspace.id), eq(content.status, "in_review")))
    .orderBy(content.updatedAt)
    .limit(200)
    .all();
  return renderPage(
    c,
    { title: "Review queue", area: "content", inWorkspace: true },
    <>
      <h1>Review queue</h1>
      {items.length === 0 ? (
        <EmptyState title="Nothing waits for review">Items appear here when an editor submits them.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Title</th>
              <th>Kind</th>
              <th>Author</th>
              <th>Waiting since (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr>
                <td>
                  <a href={`/w/${workspace.id}/content/${i.id}`}>{i.title}</a>
                </td>
                <td>{i.kind}</td>
                <td>{i.authorName}</td>
                <td>{utcMinute(i.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>,
  );
});

contentReview.get("/notifications", async (c) => {
  const { workspace, actor } = c.var.access;
  const list = await c.var.db
    .select()
    .from(notifications)
    .where(and(eq(notifications.workspaceId, workspace.id), eq(notifications.userId, actor.userId)))
    .orderBy(desc(notifications.id))
    .limit(100)
    .all();
  return renderPage(
    c,
    { title: "Notifications", inWorkspace: true },
    <>
      <h1>Notifications</h1>
      {list.length === 0 ? (
        <EmptyState title="No notifications">Mentions, review requests and decisions on your content appear here.</EmptyState>
      ) : (
        <>
          <form method="post" action={`/w/${workspace.id}/notifications/read`}>
            <CsrfField token={c.var.csrfToken} />
            <button type="submit" class="secondary">
              Mark all as read
            </button>
          </form>
          <ul class="notifications">
            {list.map((n) => (
              <li class={n.readAt ? "read" : "unread"}>
                {n.contentId ? <a href={`/w/${workspace.id}/content/${n.contentId}`}>{n.text}</a> : n.text}{" "}
                <time datetime={n.createdAt.toISOString()}>{utcMinute(n.createdAt)}</time>
              </li>
            ))}
          </ul>
        </>
      )}
    </>,
  );
});

contentReview.post("/notifications/read", async (c) => {
  const { workspace, actor } = c.var.access;
  await c.var.db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(and(eq(notifications.workspaceId, workspace.id), eq(notifications.userId, actor.userId), isNull(notifications.readAt)));
  return goTo(c, `/w/${workspace.id}/notifications`);
});
