/**
 * The editor of one item: its text and per-platform variants with a live counter and preview,
 * its workflow actions, its timeline (transitions and comments) and a comment box.
 */
import { asc, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { Child } from "hono/jsx";
import { z } from "zod";
import { campaigns } from "../../../lib/db/schema";
import { renderMarkdown } from "../../../lib/content/markdown";
import { hasThreads, limitsFor, measure, PLATFORM_NAMES, PLATFORMS, type Platform } from "../../../lib/domain/platforms";
import { can } from "../../../lib/domain/roles";
import { EditConflict } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import { formInput, goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { CsrfField, Flash } from "../views/layout";
import { Field } from "../views/pages";
import { renderPage } from "../views/render";
import { contentFromForm, THREAD_SEPARATOR, threadFromText } from "./form";
import { contentSave } from "./inputs";
import { STATUS_LABELS } from "./labels";
import { getContent, saveContent, type ContentView } from "./service";
import { actionsFor, timeline, type TimelineEntry } from "./workflow";
import { utcMinute } from "../views/format";
import { publicationsOf } from "../publications/service";
import { PublicationList } from "../publications/ui";

export const contentEditor = new Hono<AppEnv>();

/** The live counter beside a variant, measured by the same rules the publisher enforces. */
export function Counter(props: { platform: Platform; text: string }) {
  const m = measure(props.platform, props.text);
  return (
    <output id={`count-${props.platform}`} class={m.ok ? "counter" : "counter over"} aria-live="polite">
      {m.used} / {m.max}
      {m.problems.length > 0 && <span class="problems"> · {m.problems.join(" · ")}</span>}
    </output>
  );
}

/** One count per later post of a thread, numbered as readers see them (the first post is 1). */
export function ThreadCounter(props: { platform: Platform; thread: string[] }) {
  return (
    <output id={`thread-count-${props.platform}`} class="thread-counter" aria-live="polite">
      {props.thread.map((part, i) => {
        const m = measure(props.platform, part);
        return (
          <span class={m.ok ? "counter" : "counter over"}>
            post {i + 2}: {m.used} / {m.max}
            {m.problems.length > 0 && <span class="problems"> · {m.problems.join(" · ")}</span>}
          </span>
        );
      })}
    </output>
  );
}

function Preview(props: { platform: Platform; text: string; link: string | null; oob?: boolean }) {
  return (
    <div id={`preview-${props.platform}`} class={`preview preview-${props.platform}`} hx-swap-oob={props.oob ? "true" : undefined}>
      <p class="preview-label">{PLATFORM_NAMES[props.platform]} preview</p>
      <div class="preview-text">{props.text || <em>Empty: this platform is not part of the item.</em>}</div>
      {props.link && <p class="preview-link">{props.link}</p>}
    </div>
  );
}

function VariantFields(props: { item: ContentView; base: string; editable: boolean }) {
  return (
    <section class="variants">
      <h2>Per-platform variants</h2>
      <p class="hint">Leave a platform empty to leave it out. Counters use each platform's own rules (X weighs URLs as 23 characters).</p>
      {PLATFORMS.map((platform) => {
        const v = props.item.variants.find((x) => x.platform === platform);
        const limits = limitsFor(platform);
        return (
          <details class="variant" open={Boolean(v)}>
            <summary>
              {PLATFORM_NAMES[platform]} {v && <Counter platform={platform} text={v.text} />}
            </summary>
            <div class="variant-body">
              <div>
                {platform === "youtube" && <Field label="Video title" name={`variant.${platform}.title`} value={v?.title ?? ""} />}
                <p class="field">
                  <label for={`f-variant-${platform}`}>Text (max {limits.maxLength})</label>
                  <textarea
                    id={`f-variant-${platform}`}
                    name={`variant.${platform}.text`}
                    rows={5}
                    disabled={!props.editable}
                    hx-post={`${props.base}/content/measure/${platform}`}
                    hx-trigger="input changed delay:250ms"
                    hx-target={`#count-${platform}`}
                    hx-swap="outerHTML"
                    hx-include={`[name='variant.${platform}.link']`}
                  >
                    {v?.text ?? ""}
                  </textarea>
                  {!v && <Counter platform={platform} text="" />}
                </p>
                {hasThreads(platform) && (
                  <p class="field">
                    <label for={`f-variant-${platform}-thread`}>
                      Thread: the posts after this one, as replies (separate posts with a line holding only {THREAD_SEPARATOR})
                    </label>
                    <textarea
                      id={`f-variant-${platform}-thread`}
                      name={`variant.${platform}.thread`}
                      rows={5}
                      disabled={!props.editable}
                      hx-post={`${props.base}/content/measure/${platform}/thread`}
                      hx-trigger="input changed delay:250ms"
                      hx-target={`#thread-count-${platform}`}
                      hx-swap="outerHTML"
                    >
                      {(v?.thread ?? []).join(`\n${THREAD_SEPARATOR}\n`)}
                    </textarea>
                    <ThreadCounter platform={platform} thread={v?.thread ?? []} />
                  </p>
                )}
                <Field label="Link" name={`variant.${platform}.link`} type="url" value={v?.link ?? ""} />
                <Field label="Media ids (from the media library, comma-separated)" name={`variant.${platform}.media`} value={v?.mediaIds.join(", ") ?? ""} />
              </div>
              <Preview platform={platform} text={v?.text ?? ""} link={v?.link ?? null} />
            </div>
          </details>
        );
      })}
    </section>
  );
}

function Timeline(props: { entries: TimelineEntry[] }) {
  return (
    <ol class="timeline">
      {props.entries.map((e) => (
        <li>
          <time datetime={e.createdAt.toISOString()}>{utcMinute(e.createdAt)}</time> <strong>{e.actorName ?? "system"}</strong>{" "}
          {e.kind === "comment" ? "commented" : e.toStatus ? `${e.kind.replace("_", " ")} → ${STATUS_LABELS[e.toStatus] ?? e.toStatus}` : e.kind}
          {e.body && <blockquote>{e.body}</blockquote>}
        </li>
      ))}
    </ol>
  );
}

export async function EditorPage(props: { c: { var: AppEnv["Variables"] }; item: ContentView; conflict?: { mine: Record<string, unknown> } }): Promise<Child> {
  const { c, item } = props;
  const { workspace, role, actor } = c.var.access;
  const base = `/w/${workspace.id}`;
  const editable = can(role, "content.edit") && item.status !== "publishing" && item.status !== "published";
  const [campaignList, entries, outgoing] = await Promise.all([
    c.var.db.select({ id: campaigns.id, name: campaigns.name }).from(campaigns).where(eq(campaigns.workspaceId, workspace.id)).orderBy(asc(campaigns.name)).all(),
    timeline(c.var.db, c.var.access, item.id),
    can(role, "accounts.view") ? publicationsOf(c.var.db, c.var.access, item.id) : [],
  ]);
  const actions = actionsFor(item, { userId: actor.userId, role }, workspace);
  return (
    <>
      <div class="page-head">
        <h1>{item.title}</h1>
        <span class={`status status-${item.status}`}>{STATUS_LABELS[item.status] ?? item.status}</span>
        <nav class="actions">
          <a href={`${base}/content/${item.id}/revisions`}>Revisions (v{item.version})</a>
        </nav>
      </div>
      {actions.length > 0 && (
        <form class="workflow" method="post" action={`${base}/content/${item.id}/transition`}>
          <CsrfField token={c.var.csrfToken} />
          <Field label="Comment for the timeline (optional)" name="comment" />
          {actions.includes("schedule") && (
            <Field label={`Publish at (${workspace.timezone})`} name="scheduledAt">
              {/* Seconds allowed: a post goes out at the second asked. */}
              <input id="f-scheduledAt" name="scheduledAt" type="datetime-local" step="1" />
            </Field>
          )}
          {actions.map((action) => (
            <button type="submit" name="action" value={action} class={action === "archive" ? "secondary" : undefined}>
              {action.replace("_", " ")}
            </button>
          ))}
          {actions.includes("schedule") && (
            <>
              <button type="submit" name="action" value="queue" class="secondary" title="At the next free posting slot of its accounts">
                add to queue
              </button>
              <button type="submit" name="action" value="publish_now" class="secondary">
                publish now
              </button>
            </>
          )}
        </form>
      )}
      <form method="post" action={`${base}/content/${item.id}`} class="editor">
        <CsrfField token={c.var.csrfToken} />
        <input type="hidden" name="version" value={String(item.version)} />
        <fieldset disabled={!editable}>
          <Field label="Title" name="title" value={item.title} required />
          <p class="field">
            <label for="f-body">Body (Markdown)</label>
            <textarea id="f-body" name="body" rows={12}>
              {item.body}
            </textarea>
          </p>
          <Field label="Tags (comma-separated)" name="tags" value={item.tags.join(", ")} />
          <Field label="Brand voice" name="brandVoice" value={item.brandVoice ?? ""} />
          <Field label="Campaign" name="campaignId">
            <select id="f-campaignId" name="campaignId">
              <option value="">none</option>
              {campaignList.map((x) => (
                <option value={x.id} selected={x.id === item.campaignId}>
                  {x.name}
                </option>
              ))}
            </select>
          </Field>
          <VariantFields item={item} base={base} editable={editable} />
          <button type="submit">Save (version {item.version + 1})</button>
        </fieldset>
      </form>
      <section>
        <h2>Publications</h2>
        <PublicationList publications={outgoing} zone={workspace.timezone} accountsUrl={`${base}/accounts`} />
      </section>
      <section>
        <h2>Body preview</h2>
        <article class="rendered">{renderMarkdownHtml(item.body)}</article>
      </section>
      <section>
        <h2>Timeline</h2>
        <Timeline entries={entries} />
        {can(role, "content.comment") && (
          <form method="post" action={`${base}/content/${item.id}/comments`}>
            <CsrfField token={c.var.csrfToken} />
            <p class="field">
              <label for="f-comment">Comment (mention someone with @name)</label>
              <textarea id="f-comment" name="body" rows={3} required></textarea>
            </p>
            <button type="submit">Comment</button>
          </form>
        )}
      </section>
    </>
  );
}

/** Sanitized HTML from lib/content/markdown.ts, inserted as markup (not escaped as text). */
function renderMarkdownHtml(markdown: string) {
  return <div dangerouslySetInnerHTML={{ __html: renderMarkdown(markdown) }} />;
}

contentEditor.get("/content/:contentId", async (c) => {
  const item = await getContent(c.var.db, c.var.access, c.req.param("contentId"));
  return renderPage(c, { title: item.title, area: "content", inWorkspace: true }, await EditorPage({ c, item }));
});

contentEditor.post("/content/:contentId", async (c) => {
  const id = c.req.param("contentId");
  const form = await formInput(c);
  const input = parseInput(contentSave, contentFromForm(form));
  try {
    await saveContent(c.var.db, c.var.access, id, input);
  } catch (err) {
    if (!(err instanceof EditConflict)) throw err;
    const current = err.current as ContentView;
    return renderPage(
      c,
      { title: "Edit conflict", area: "content", inWorkspace: true },
      <>
        <Flash kind="error">{err.message}</Flash>
        <section class="conflict">
          <div>
            <h2>Your version (not saved)</h2>
            <h3>{input.title}</h3>
            <pre class="text">{input.body}</pre>
          </div>
          <div>
            <h2>Saved version {current.version}</h2>
            <h3>{current.title}</h3>
            <pre class="text">{current.body}</pre>
          </div>
        </section>
        <p class="hint">The form below holds the saved version. Copy what you need from yours, then save.</p>
        {await EditorPage({ c, item: current })}
      </>,
      409,
    );
  }
  return goTo(c, `/w/${c.var.access.workspace.id}/content/${id}`);
});

const measureInput = z.object({ text: z.string().default("") });

contentEditor.post("/content/measure/:platform/thread", async (c) => {
  const platform = c.req.param("platform");
  if (!(PLATFORMS as readonly string[]).includes(platform) || !hasThreads(platform as Platform)) return c.text(`No threads on ${platform}`, 404);
  const form = await formInput(c);
  const { text } = parseInput(measureInput, { text: form[`variant.${platform}.thread`] });
  return c.html(<ThreadCounter platform={platform as Platform} thread={threadFromText(text)} />);
});

contentEditor.post("/content/measure/:platform", async (c) => {
  const platform = c.req.param("platform");
  if (!(PLATFORMS as readonly string[]).includes(platform)) return c.text(`Unknown platform ${platform}`, 404);
  const form = await formInput(c);
  const { text } = parseInput(measureInput, { text: form[`variant.${platform}.text`] });
  const link = form[`variant.${platform}.link`] || null;
  return c.html(
    <>
      <Counter platform={platform as Platform} text={text} />
      <Preview platform={platform as Platform} text={text} link={link} oob />
    </>,
  );
});
