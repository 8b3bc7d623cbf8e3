/**
 * The Generate area: the jobs list with the month's spending, the form that starts a job (from a
 * trend's topic, chosen items or a brief), and the job page whose progress bar htmx polls until the
 * job is done, failed or cancelled.
 */
import { Hono, type Context } from "hono";
import { desc, eq } from "drizzle-orm";
import { JOB_KINDS, sourceItems, type GenerationAttempt, type GenerationJob } from "../../../lib/db/schema";
import { PLATFORM_NAMES, PLATFORMS } from "../../../lib/domain/platforms";
import { can } from "../../../lib/domain/roles";
import { OFFLINE_LABEL } from "../../../lib/generation/offline";
import { jobInput } from "../../../lib/generation/request";
import { AppError } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import { goTo } from "../lib/respond";
import { workspaceTrends } from "../trends/service";
import type { AppEnv } from "../types";
import { utcMinute } from "../views/format";
import { CsrfField, Flash } from "../views/layout";
import { EmptyState, Field } from "../views/pages";
import { renderPage } from "../views/render";
import { budgetOf, listProviders } from "./providers";
import { cancelJob, createJob, getJob, isFinished, listAttempts, listJobs, retryJob } from "./service";
import { isStalled } from "./run";
import { listVoices } from "./voices";

export const generationPages = new Hono<AppEnv>();

const KIND_LABELS: Record<GenerationJob["kind"], string> = { posts: "Posts for platforms", article: "Article", newsletter: "Newsletter issue" };
const usd = (n: number) => `$${n.toFixed(n > 0 && n < 0.01 ? 4 : 2)}`;

/** A submitted form with repeated fields (checkboxes) kept as lists; the CSRF field removed. */
async function formLists(c: Context<AppEnv>): Promise<Record<string, string | string[]>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) {
    throw new AppError(415, "unsupported_media_type", "Send the form as application/x-www-form-urlencoded or multipart/form-data.");
  }
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(await c.req.parseBody({ all: true }))) {
    if (key === "_csrf") continue;
    const strings = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
    out[key] = Array.isArray(value) ? strings : (strings[0] ?? "");
  }
  return out;
}

export function Nav(props: { base: string; current: string }) {
  const tabs = [
    ["generate", "Jobs"],
    ["generate/new", "New"],
    ["generate/providers", "Providers, prices and budget"],
    ["generate/voices", "Brand voices"],
  ];
  return (
    <nav class="tabs" aria-label="Generate">
      {tabs.map(([href, label]) => (
        <a href={`${props.base}/${href}`} aria-current={href === props.current ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

const STATUS_LABELS: Record<GenerationJob["status"], string> = { queued: "Queued", running: "Running", done: "Done", failed: "Failed", cancelled: "Cancelled" };

/** The progress block; while the job is unfinished it asks for itself again every second. */
function Progress(props: { job: GenerationJob; base: string; csrf: string; manage: boolean }) {
  const { job, base } = props;
  const finished = isFinished(job);
  const stalled = isStalled(job);
  const label =
    job.status === "queued"
      ? "Queued"
      : stalled
        ? `Stalled at step ${Math.min(job.stepsDone + 1, job.stepsTotal)} of ${job.stepsTotal} (${job.stepLabel}): no sign of life for ${Math.round((Date.now() - (job.heartbeatAt?.getTime() ?? 0)) / 60_000)} minutes. It is picked up again when its message is redelivered, or retry it now.`
        : job.status === "running"
          ? `Step ${Math.min(job.stepsDone + 1, job.stepsTotal)} of ${job.stepsTotal}: ${job.stepLabel}`
          : STATUS_LABELS[job.status];
  return (
    <section
      id="job-progress"
      class="card"
      hx-get={finished ? undefined : `${base}/generate/jobs/${job.id}/progress`}
      hx-trigger={finished ? undefined : "every 1s"}
      hx-swap="outerHTML"
      data-status={job.status}
    >
      <p>
        <label for="job-bar">{label}</label>
      </p>
      <progress id="job-bar" style="width:100%" max={job.stepsTotal} value={job.status === "queued" ? undefined : job.stepsDone} aria-valuetext={label}>
        {job.stepsDone} / {job.stepsTotal}
      </progress>
      {job.offline && (
        <p>
          <span class="badge">{OFFLINE_LABEL}</span> Written by the built-in offline generator (extractive: sentences, headline and hashtags picked from the sources), not by an AI model.
        </p>
      )}
      {!job.offline && (job.provider || job.cacheHits > 0) && (
        <p class="hint">
          {job.provider ? `${job.provider} · ${job.model} · ` : ""}
          {job.promptTokens + job.completionTokens} tokens{job.images ? ` · ${job.images} image` : ""} · {usd(job.costUsd)}
          {job.cacheHits ? ` · ${job.cacheHits} answer${job.cacheHits === 1 ? "" : "s"} from the 24-hour cache` : ""}
        </p>
      )}
      {job.status === "done" && job.contentId && (
        <p>
          <a href={`${base}/content/${job.contentId}`}>Open the draft</a>
        </p>
      )}
      {job.status === "failed" && <Flash kind="error">{job.error ?? "Failed"}</Flash>}
      {job.problems.length > 0 && (
        <>
          <h2>Still to fix</h2>
          <p class="hint">These checks failed even after one automatic repair attempt:</p>
          <ul>
            {job.problems.map((p) => (
              <li>{p}</li>
            ))}
          </ul>
        </>
      )}
      {job.rawOutput && (
        <details>
          <summary>The model's answer, as received</summary>
          <pre>{job.rawOutput}</pre>
        </details>
      )}
      {props.manage && (
        <div class="row-actions">
          {!finished && (
            <form method="post" action={`${base}/generate/jobs/${job.id}/cancel`}>
              <CsrfField token={props.csrf} />
              <button type="submit" class="danger">
                Cancel
              </button>
            </form>
          )}
          {(job.status === "failed" || job.status === "cancelled" || stalled) && (
            <form method="post" action={`${base}/generate/jobs/${job.id}/retry`}>
              <CsrfField token={props.csrf} />
              <button type="submit">Retry</button>
            </form>
          )}
        </div>
      )}
    </section>
  );
}

function Attempts(props: { attempts: GenerationAttempt[] }) {
  if (props.attempts.length === 0) return null;
  return (
    <>
      <h2>Provider attempts</h2>
      <table>
        <thead>
          <tr>
            <th>Step</th>
            <th>Provider</th>
            <th>Model</th>
            <th>Result</th>
            <th>Time</th>
          </tr>
        </thead>
        <tbody>
          {props.attempts.map((a) => (
            <tr>
              <td>{a.step}</td>
              <td>{a.provider}</td>
              <td>{a.model}</td>
              <td>{a.ok ? <span class="badge ok">ok</span> : <span class="badge warn">{`${a.httpStatus ?? "error"}: ${a.error ?? ""}`}</span>}</td>
              <td>{a.durationMs} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

generationPages.get("/generate", async (c) => {
  const access = c.var.access;
  const base = `/w/${access.workspace.id}`;
  const [jobs, budget, providers] = await Promise.all([listJobs(c.var.db, access), budgetOf(c.var.db, access.workspace.id), listProviders(c.var.db, access)]);
  return renderPage(
    c,
    { title: "Generate", area: "generate", inWorkspace: true },
    <>
      <h1>Generate</h1>
      <Nav base={base} current="generate" />
      {providers.length === 0 && (
        <p class="hint">
          No AI provider is set up, so jobs use the built-in offline generator: extractive drafts labelled “{OFFLINE_LABEL}”. Add a provider under Providers to write with an LLM.
        </p>
      )}
      <p id="budget">
        This month: {usd(budget.spentUsd)} spent{budget.monthlyBudgetUsd !== null ? ` of a ${usd(budget.monthlyBudgetUsd)} budget` : " (no budget set)"}.
      </p>
      {jobs.length === 0 ? (
        <EmptyState title="No generation jobs yet">Start one from a trend, from source items or from a brief.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Started</th>
              <th>Kind</th>
              <th>Status</th>
              <th>Cost</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr>
                <td>{utcMinute(j.createdAt)}</td>
                <td>
                  {KIND_LABELS[j.kind]}
                  {j.request.platforms.length > 0 && <small class="hint"> ({j.request.platforms.map((p) => PLATFORM_NAMES[p as keyof typeof PLATFORM_NAMES] ?? p).join(", ")})</small>}
                  {j.offline && <span class="badge">{OFFLINE_LABEL}</span>}
                </td>
                <td>{STATUS_LABELS[j.status]}</td>
                <td>{usd(j.costUsd)}</td>
                <td>
                  <a href={`${base}/generate/jobs/${j.id}`}>Details</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>,
  );
});

generationPages.get("/generate/new", async (c) => {
  const access = c.var.access;
  const base = `/w/${access.workspace.id}`;
  const topic = (c.req.query("topic") ?? "").slice(0, 200);
  const [voices, providers, trends] = await Promise.all([listVoices(c.var.db, access), listProviders(c.var.db, access), topic ? workspaceTrends(c.var.db, access) : Promise.resolve([])]);
  const trend = trends.find((t) => t.term === topic);
  const items = trend
    ? trend.items.slice(0, 12).map((i) => ({ id: i.id, title: i.title, checked: true }))
    : (
        await c.var.db
          .select({ id: sourceItems.id, title: sourceItems.title })
          .from(sourceItems)
          .where(eq(sourceItems.workspaceId, access.workspace.id))
          .orderBy(desc(sourceItems.createdAt))
          .limit(20)
          .all()
      ).map((i) => ({ ...i, checked: false }));
  return renderPage(
    c,
    { title: "New generation", area: "generate", inWorkspace: true },
    <>
      <h1>New generation</h1>
      <Nav base={base} current="generate/new" />
      {providers.length === 0 && (
        <p class="hint">
          No AI provider is set up: this will be an <span class="badge">{OFFLINE_LABEL}</span>, picked from the sources by the built-in extractive generator.
        </p>
      )}
      <form method="post" action={`${base}/generate`} class="card">
        <CsrfField token={c.var.csrfToken} />
        <Field label="What to write" name="kind">
          <select id="f-kind" name="kind">
            {JOB_KINDS.map((k) => (
              <option value={k}>{KIND_LABELS[k]}</option>
            ))}
          </select>
        </Field>
        <Field label="Topic" name="topic" value={topic} hint="A trend's term brings its items; any subject works." />
        <fieldset>
          <legend>Source items</legend>
          {items.length === 0 ? (
            <p class="hint">No items yet: add sources, or write a brief.</p>
          ) : (
            items.map((i) => (
              <label class="check" style="display:block;margin:.25rem 0">
                <input type="checkbox" name="itemIds" value={i.id} checked={i.checked} /> {i.title}
              </label>
            ))
          )}
        </fieldset>
        <Field label="Brief" name="brief">
          <textarea id="f-brief" name="brief" rows={4}></textarea>
        </Field>
        <fieldset>
          <legend>Platforms (for posts)</legend>
          {PLATFORMS.map((p) => (
            <label class="check" style="display:block;margin:.25rem 0">
              <input type="checkbox" name="platforms" value={p} /> {PLATFORM_NAMES[p]}
            </label>
          ))}
        </fieldset>
        <label class="check" style="display:block;margin:.25rem 0">
          <input type="checkbox" name="threads" value="on" /> Also write threads for X, Bluesky and Threads
        </label>
        <label class="check" style="display:block;margin:.25rem 0">
          <input type="checkbox" name="image" value="on" /> Generate an image (needs a provider with an image model)
        </label>
        <Field label="Brand voice" name="voiceId">
          <select id="f-voiceId" name="voiceId">
            <option value="">None</option>
            {voices.map((v) => (
              <option value={v.id}>{v.name}</option>
            ))}
          </select>
        </Field>
        <label class="check" style="display:block;margin:.25rem 0">
          <input type="checkbox" name="regenerate" value="on" /> Regenerate (ignore answers cached in the last 24 hours)
        </label>
        <p>
          <button type="submit">Generate</button>
        </p>
      </form>
    </>,
  );
});

generationPages.post("/generate", async (c) => {
  const input = parseInput(jobInput, await formLists(c));
  const job = await createJob(c.var.db, c.env.GENERATE_QUEUE, c.var.access, input);
  return goTo(c, `/w/${c.var.access.workspace.id}/generate/jobs/${job.id}`);
});

generationPages.get("/generate/jobs/:jobId", async (c) => {
  const access = c.var.access;
  const base = `/w/${access.workspace.id}`;
  const job = await getJob(c.var.db, access, c.req.param("jobId"));
  const attempts = await listAttempts(c.var.db, access, job.id);
  const r = job.request;
  return renderPage(
    c,
    { title: "Generation job", area: "generate", inWorkspace: true },
    <>
      <h1>{KIND_LABELS[job.kind]}</h1>
      <Nav base={base} current="" />
      <p class="hint">
        {[r.topic && `Topic: ${r.topic}`, r.itemIds.length > 0 && `${r.itemIds.length} source item${r.itemIds.length === 1 ? "" : "s"}`, r.brief && `Brief: ${r.brief.slice(0, 120)}`, r.platforms.length > 0 && `Platforms: ${r.platforms.join(", ")}`]
          .filter(Boolean)
          .join(" · ")}
        {job.retryOf && (
          <>
            {" "}
            · retry of <a href={`${base}/generate/jobs/${job.retryOf}`}>an earlier job</a>
          </>
        )}
      </p>
      <Progress job={job} base={base} csrf={c.var.csrfToken} manage={can(access.role, "generation.run")} />
      <Attempts attempts={attempts} />
    </>,
  );
});

generationPages.get("/generate/jobs/:jobId/progress", async (c) => {
  const access = c.var.access;
  const job = await getJob(c.var.db, access, c.req.param("jobId"));
  return c.html(<Progress job={job} base={`/w/${access.workspace.id}`} csrf={c.var.csrfToken} manage={can(access.role, "generation.run")} />);
});

generationPages.post("/generate/jobs/:jobId/cancel", async (c) => {
  const job = await cancelJob(c.var.db, c.var.access, c.req.param("jobId"));
  return goTo(c, `/w/${c.var.access.workspace.id}/generate/jobs/${job.id}`);
});

generationPages.post("/generate/jobs/:jobId/retry", async (c) => {
  const job = await retryJob(c.var.db, c.env.GENERATE_QUEUE, c.var.access, c.req.param("jobId"));
  return goTo(c, `/w/${c.var.access.workspace.id}/generate/jobs/${job.id}`);
});

