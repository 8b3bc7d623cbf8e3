/**
 * An account's queue page: its weekly posting slots (added and removed here) and the publications
 * waiting to go out, soonest first, each movable one place up or down.
 */
import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { socialAccounts } from "../../../lib/db/schema";
import { PLATFORM_NAMES, type Platform } from "../../../lib/domain/platforms";
import { can } from "../../../lib/domain/roles";
import { notFound } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import { formatLocal } from "../content/time";
import { formInput, goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { CsrfField } from "../views/layout";
import { EmptyState } from "../views/pages";
import { renderPage } from "../views/render";
import { accountQueue, addSlot, moveInQueue, removeSlot, slotInput, slotsOf } from "./slots";

export const queuePages = new Hono<AppEnv>();

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

queuePages.get("/accounts/:accountId/queue", async (c) => {
  const { workspace, role } = c.var.access;
  const accountId = c.req.param("accountId");
  const account = await c.var.db.select().from(socialAccounts).where(and(eq(socialAccounts.id, accountId), eq(socialAccounts.workspaceId, workspace.id))).get();
  if (!account) throw notFound("Account not found");
  const [slots, queue] = await Promise.all([slotsOf(c.var.db, c.var.access, accountId), accountQueue(c.var.db, c.var.access, accountId)]);
  const base = `/w/${workspace.id}/accounts/${accountId}`;
  const manage = can(role, "accounts.manage");
  const reorder = can(role, "content.edit");
  const name = PLATFORM_NAMES[account.platform as Platform] ?? account.platform;
  return renderPage(
    c,
    { title: `Queue of ${account.handle}`, area: "accounts", inWorkspace: true },
    <>
      <div class="page-head">
        <h1>
          {name} · {account.handle}
        </h1>
        <nav class="actions">
          <a href={`/w/${workspace.id}/accounts`}>← accounts</a>
        </nav>
      </div>
      <section>
        <h2>Posting slots ({workspace.timezone})</h2>
        <p class="hint">"Add to queue" on an approved item takes the next of these times that no other post of this account has taken.</p>
        {slots.length === 0 ? (
          <p>No slots yet.</p>
        ) : (
          <ul id="slots">
            {slots.map((slot) => (
              <li>
                {WEEKDAYS[slot.weekday - 1]} {slot.time}
                {manage && (
                  <form method="post" action={`${base}/slots/${slot.id}/delete`} class="inline">
                    <CsrfField token={c.var.csrfToken} />
                    <button type="submit" class="secondary" aria-label={`Remove ${WEEKDAYS[slot.weekday - 1]} ${slot.time}`}>
                      remove
                    </button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        )}
        {manage && (
          <form method="post" action={`${base}/slots`} class="inline-form">
            <CsrfField token={c.var.csrfToken} />
            <label>
              Day{" "}
              <select name="weekday">
                {WEEKDAYS.map((day, i) => (
                  <option value={String(i + 1)}>{day}</option>
                ))}
              </select>
            </label>
            <label>
              Time <input name="time" type="time" required />
            </label>
            <button type="submit">Add slot</button>
          </form>
        )}
      </section>
      <section>
        <h2>Waiting to go out</h2>
        {queue.length === 0 ? (
          <EmptyState title="The queue is empty">Schedule approved content, or add it to the queue from its page.</EmptyState>
        ) : (
          <ol id="queue">
            {queue.map((entry, i) => (
              <li id={`queued-${entry.id}`}>
                <time datetime={entry.scheduledAt.toISOString()}>{formatLocal(entry.scheduledAt.getTime(), workspace.timezone).replace("T", " ")}</time>{" "}
                <a href={`/w/${workspace.id}/content/${entry.contentId}`}>{entry.title}</a>
                {entry.status === "waiting" && <span class="badge warn">waiting for the rate limit</span>}
                {reorder &&
                  (["up", "down"] as const).map(
                    (direction) =>
                      (direction === "up" ? i > 0 : i < queue.length - 1) && (
                        <form method="post" action={`${base}/queue/${entry.id}/move`} class="inline">
                          <CsrfField token={c.var.csrfToken} />
                          <input type="hidden" name="direction" value={direction} />
                          <button type="submit" class="secondary" aria-label={`Move "${entry.title}" ${direction}`}>
                            {direction === "up" ? "↑" : "↓"}
                          </button>
                        </form>
                      ),
                  )}
              </li>
            ))}
          </ol>
        )}
      </section>
    </>,
  );
});

queuePages.post("/accounts/:accountId/slots", async (c) => {
  const accountId = c.req.param("accountId");
  await addSlot(c.var.db, c.var.access, accountId, parseInput(slotInput, await formInput(c)));
  return goTo(c, `/w/${c.var.access.workspace.id}/accounts/${accountId}/queue`);
});

queuePages.post("/accounts/:accountId/slots/:slotId/delete", async (c) => {
  const accountId = c.req.param("accountId");
  await removeSlot(c.var.db, c.var.access, accountId, c.req.param("slotId"));
  return goTo(c, `/w/${c.var.access.workspace.id}/accounts/${accountId}/queue`);
});

const moveForm = z.object({ direction: z.enum(["up", "down"], { error: "must be up or down" }) });

queuePages.post("/accounts/:accountId/queue/:publicationId/move", async (c) => {
  const accountId = c.req.param("accountId");
  const { direction } = parseInput(moveForm, await formInput(c));
  await moveInQueue(c.var.db, c.env.PUBLISH_QUEUE, c.var.access, accountId, c.req.param("publicationId"), direction);
  return goTo(c, `/w/${c.var.access.workspace.id}/accounts/${accountId}/queue`);
});
