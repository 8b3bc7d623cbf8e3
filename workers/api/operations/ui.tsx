import { Hono } from "hono";
import type { AppEnv } from "../types";
import { SettingsTabs } from "../views/layout";
import { renderPage } from "../views/render";
import { OVERDUE_MS, operationsFigures, type Lag, type OperationsFigures, type Rate } from "./service";

export const operationsPages = new Hono<AppEnv>();

const counts = new Intl.NumberFormat("en-US");
const percents = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const formatCount = (n: number) => counts.format(n);
export const formatRate = (r: Rate) => (r.rate === null ? "–" : percents.format(r.rate));

/** A duration for people: "850 ms", "12.4 s", "3 min 05 s", "2 h 07 min". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

function CountRow(props: { label: string; value: number; hint?: string; id: string }) {
  return (
    <tr id={props.id}>
      <th scope="row">{props.label}</th>
      <td class="num">{formatCount(props.value)}</td>
      <td class="hint">{props.hint ?? ""}</td>
    </tr>
  );
}

function RateRow(props: { label: string; rate: Rate; id: string }) {
  return (
    <tr id={props.id}>
      <th scope="row">{props.label}</th>
      <td class="num">{formatCount(props.rate.failed)}</td>
      <td class="num">{formatCount(props.rate.total)}</td>
      <td class="num">{formatRate(props.rate)}</td>
    </tr>
  );
}

function LagTable(props: { lag: Lag }) {
  const { lag } = props;
  return (
    <table id="publish-lag">
      <thead>
        <tr>
          <th class="num">Published</th>
          <th class="num">p50</th>
          <th class="num">p95</th>
          <th class="num">p99</th>
          <th class="num">Max</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <td class="num">{formatCount(lag.count)}</td>
          <td class="num">{formatDuration(lag.p50)}</td>
          <td class="num">{formatDuration(lag.p95)}</td>
          <td class="num">{formatDuration(lag.p99)}</td>
          <td class="num">{formatDuration(lag.max)}</td>
        </tr>
      </tbody>
    </table>
  );
}

export function OperationsView(props: { workspaceId: string; figures: OperationsFigures }) {
  const { waiting, failures, publishLag, metricsPulls, asOf, windowHours } = props.figures;
  return (
    <>
      <p class="hint">
        As of <time datetime={asOf.toISOString()}>{asOf.toISOString().slice(0, 16).replace("T", " ")} UTC</time>. Reload the page for fresh figures; the same
        figures are at <code>GET /api/v1/workspaces/{props.workspaceId}/operations</code>.
      </p>

      <h2>Work waiting</h2>
      <p class="hint">
        Cloudflare Queues do not let a Worker read how many messages they hold, so these are counted from this workspace's records instead: work the database
        says is not done yet, which is what the queues and the every-minute sweeps will pick up.
      </p>
      <table id="waiting">
        <thead>
          <tr>
            <th>What</th>
            <th class="num">Count</th>
            <th>Meaning</th>
          </tr>
        </thead>
        <tbody>
          <CountRow id="waiting-generation-queued" label="Generation jobs queued" value={waiting.generationQueued} hint="Waiting for the generate queue's consumer." />
          <CountRow id="waiting-generation-running" label="Generation jobs running" value={waiting.generationRunning} />
          <CountRow id="waiting-sources-due" label="Sources due to run" value={waiting.sourcesDue} hint="Not paused, their next run time passed; the scraper's cron queues them every 5 minutes." />
          <CountRow id="waiting-publications-due" label="Publications due" value={waiting.publicationsDue} hint="Scheduled, their time passed, not yet picked up." />
          <CountRow id="waiting-publications-overdue" label="Publications overdue" value={waiting.publicationsOverdue} hint={`Of those, more than ${OVERDUE_MS / 60_000} minutes late.`} />
          <CountRow id="waiting-publications-waiting" label="Publications waiting for a rate limit" value={waiting.publicationsWaiting} />
          <CountRow id="waiting-publications-in-flight" label="Publications being published" value={waiting.publicationsInFlight} hint="Claimed by a publisher, or their outcome is being checked." />
          <CountRow id="waiting-sends-due" label="Email sends due" value={waiting.emailSendsDue} hint="Scheduled, their time passed, not started." />
          <CountRow id="waiting-sends-running" label="Email sends running" value={waiting.emailSendsRunning} />
          <CountRow id="waiting-deliveries-queued" label="Email deliveries queued" value={waiting.emailDeliveriesQueued} hint="Messages of running sends not handed to the provider yet." />
          <CountRow
            id="waiting-webhooks-pending"
            label="Outgoing webhook deliveries pending"
            value={waiting.webhookDeliveriesPending}
            hint={`${formatCount(waiting.webhookDeliveriesDue)} due now, the rest waiting to retry.`}
          />
        </tbody>
      </table>

      <h2>Failures in the last {windowHours} hours</h2>
      <p class="hint">
        Failed out of everything that finished in the window. Sources keep no run history: each source counts once, by its latest run in the window. Cancelled
        jobs and publications are left out.
      </p>
      <table id="failures">
        <thead>
          <tr>
            <th>What</th>
            <th class="num">Failed</th>
            <th class="num">Total</th>
            <th class="num">Failure rate</th>
          </tr>
        </thead>
        <tbody>
          <RateRow id="failures-generation" label="Generation jobs" rate={failures.generationJobs} />
          <RateRow id="failures-sources" label="Source runs" rate={failures.sourceRuns} />
          <RateRow id="failures-publications" label="Publications" rate={failures.publications} />
          <RateRow id="failures-deliveries" label="Email deliveries" rate={failures.emailDeliveries} />
        </tbody>
      </table>

      <h2>Publish lag in the last {windowHours} hours</h2>
      <p class="hint">From the time a publication was scheduled for to the time the platform accepted it, for every publication published in the window.</p>
      <LagTable lag={publishLag} />

      <h2>Engagement pulls</h2>
      <p class="hint">Published posts whose figures are still being pulled; a pull backs off after a failure (platform down, rate limit, sign-in refused).</p>
      <table id="metrics-pulls">
        <tbody>
          <CountRow id="metrics-scheduled" label="Posts with pulls scheduled" value={metricsPulls.scheduled} />
          <CountRow id="metrics-due" label="Pulls due now" value={metricsPulls.due} />
          <CountRow id="metrics-backing-off" label="Pulls backing off" value={metricsPulls.backingOff} hint="Their next pull was moved off the regular schedule by a failure." />
        </tbody>
      </table>
    </>
  );
}

operationsPages.get("/operations", async (c) => {
  const { workspace, role } = c.var.access;
  const figures = await operationsFigures(c.var.db, c.var.access);
  return renderPage(
    c,
    { title: "Operations", area: "settings", inWorkspace: true },
    <>
      <h1>Operations</h1>
      <SettingsTabs workspaceId={workspace.id} current="operations" role={role} />
      <OperationsView workspaceId={workspace.id} figures={figures} />
    </>,
  );
});
