/**
 * Month and week views in the workspace's time zone. Items can be dragged to another day (a small
 * script, web/calendar.js, posts the move with htmx) or moved with the keyboard through each item's
 * "Move to" form; both answer with the redrawn calendar.
 */
import { Hono } from "hono";
import { z } from "zod";
import { can } from "../../../lib/domain/roles";
import { parseInput } from "../../../lib/http/validate";
import { formInput } from "../lib/respond";
import type { AppEnv } from "../types";
import { CsrfField } from "../views/layout";
import { renderPage } from "../views/render";
import { formatLocal, localToInstant } from "../content/time";
import { STATUS_LABELS } from "../content/labels";
import { calendarItems, reschedule, type CalendarItem } from "./service";

export const calendarPages = new Hono<AppEnv>();

const DAY_MS = 86_400_000;
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** Calendar arithmetic on plain dates (no zone): days since the epoch, back and forth. */
const toDay = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10)));
const fromDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const mondayOf = (dayMs: number) => dayMs - ((new Date(dayMs).getUTCDay() + 6) % 7) * DAY_MS;

const viewQuery = z.object({
  view: z.enum(["month", "week"], { error: "must be month or week" }).default("month"),
  date: z.iso.date({ error: "must be a date (YYYY-MM-DD)" }).optional(),
});
type View = z.infer<typeof viewQuery>["view"];

/** The days shown: whole weeks covering the month, or the week of `date`. */
function gridDays(view: View, date: string): string[] {
  if (view === "week") {
    const monday = mondayOf(toDay(date));
    return Array.from({ length: 7 }, (_, i) => fromDay(monday + i * DAY_MS));
  }
  const first = toDay(`${date.slice(0, 7)}-01`);
  const next = toDay(fromDay(first + 32 * DAY_MS).slice(0, 7) + "-01");
  const start = mondayOf(first);
  const end = mondayOf(next - DAY_MS) + 7 * DAY_MS;
  return Array.from({ length: (end - start) / DAY_MS }, (_, i) => fromDay(start + i * DAY_MS));
}

function shift(view: View, date: string, direction: 1 | -1): string {
  if (view === "week") return fromDay(toDay(date) + direction * 7 * DAY_MS);
  const [y, m] = [Number(date.slice(0, 4)), Number(date.slice(5, 7))];
  return fromDay(Date.UTC(y, m - 1 + direction, 1));
}

function Calendar(props: { base: string; view: View; date: string; days: string[]; items: CalendarItem[]; today: string; movable: boolean; csrf: string; zone: string }) {
  const { base, view, date } = props;
  const title = view === "month" ? new Date(`${date.slice(0, 7)}-01T00:00:00Z`).toLocaleString("en", { month: "long", year: "numeric", timeZone: "UTC" }) : `Week of ${props.days[0]}`;
  return (
    <section id="calendar" data-move-url={`${base}/calendar/move`} data-view={view} data-date={date}>
      <nav class="calendar-nav">
        <a href={`${base}/calendar?view=${view}&date=${shift(view, date, -1)}`}>← Previous</a>
        <h2>{title}</h2>
        <a href={`${base}/calendar?view=${view}&date=${shift(view, date, 1)}`}>Next →</a>
        <span class="spacer"></span>
        <a href={`${base}/calendar?view=month&date=${date}`} aria-current={view === "month" ? "page" : undefined}>
          Month
        </a>
        <a href={`${base}/calendar?view=week&date=${date}`} aria-current={view === "week" ? "page" : undefined}>
          Week
        </a>
      </nav>
      <p class="hint">Times in {props.zone}. {props.movable && "Drag a scheduled item to another day, or use its “Move to” field."}</p>
      <div class={`calendar calendar-${view}`} role="grid">
        {WEEKDAYS.map((d) => (
          <div class="weekday" role="columnheader">
            {d}
          </div>
        ))}
        {props.days.map((day) => (
          <div
            class={["day", day.slice(0, 7) !== date.slice(0, 7) && view === "month" ? "outside" : "", day === props.today ? "today" : ""].join(" ")}
            data-day={day}
            role="gridcell"
            aria-label={day}
          >
            <span class="date">{Number(day.slice(8, 10))}</span>
            {props.items
              .filter((i) => i.local.slice(0, 10) === day)
              .map((i) => (
                <article class={`event status-${i.status}`} draggable={props.movable && i.status === "scheduled" ? "true" : undefined} data-content-id={i.id}>
                  <a href={`${base}/content/${i.id}`}>
                    <time>{i.local.slice(11)}</time> {i.title}
                  </a>
                  <span class="badge">{STATUS_LABELS[i.status] ?? i.status}</span>
                  {props.movable && i.status === "scheduled" && (
                    <form method="post" action={`${base}/calendar/move`} hx-post={`${base}/calendar/move`} hx-target="#calendar" hx-swap="outerHTML" class="move">
                      <CsrfField token={props.csrf} />
                      <input type="hidden" name="contentId" value={i.id} />
                      <input type="hidden" name="view" value={view} />
                      <input type="hidden" name="date" value={date} />
                      <label>
                        Move to <input type="date" name="day" value={day} required />
                      </label>
                      <button type="submit" class="secondary">
                        Move
                      </button>
                    </form>
                  )}
                </article>
              ))}
          </div>
        ))}
      </div>
    </section>
  );
}

async function calendarFor(c: { var: AppEnv["Variables"] }, view: View, date: string) {
  const { workspace, role } = c.var.access;
  const days = gridDays(view, date);
  const zone = workspace.timezone;
  const from = localToInstant(`${days[0]}T00:00`, zone);
  const to = new Date(localToInstant(`${days[days.length - 1]}T00:00`, zone).getTime() + DAY_MS + 2 * 3_600_000);
  const items = (await calendarItems(c.var.db, c.var.access, from, to)).filter((i) => days.includes(i.local.slice(0, 10)));
  return (
    <Calendar
      base={`/w/${workspace.id}`}
      view={view}
      date={date}
      days={days}
      items={items}
      today={formatLocal(Date.now(), zone).slice(0, 10)}
      movable={can(role, "content.edit")}
      csrf={c.var.csrfToken}
      zone={zone}
    />
  );
}

calendarPages.get("/calendar", async (c) => {
  const { view, date } = parseInput(viewQuery, c.req.query());
  const anchor = date ?? formatLocal(Date.now(), c.var.access.workspace.timezone).slice(0, 10);
  return renderPage(
    c,
    { title: "Calendar", area: "calendar", inWorkspace: true },
    <>
      <h1>Calendar</h1>
      {await calendarFor(c, view, anchor)}
      <script src="/calendar.js" defer></script>
    </>,
  );
});

const moveInput = z.object({
  contentId: z.string({ error: "is required" }).min(1, "is required"),
  day: z.iso.date({ error: "must be a date (YYYY-MM-DD)" }),
  view: z.enum(["month", "week"]).default("month"),
  date: z.iso.date().optional(),
});

calendarPages.post("/calendar/move", async (c) => {
  const input = parseInput(moveInput, await formInput(c));
  await reschedule(c.var.db, c.env.PUBLISH_QUEUE, c.var.access, input.contentId, input.day);
  return c.html(await calendarFor(c, input.view, input.date ?? input.day));
});
