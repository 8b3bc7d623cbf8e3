import { Hono } from "hono";
import { CONTENT_KINDS } from "../../../lib/db/schema";
import { PLATFORMS } from "../../../lib/domain/platforms";
import { can } from "../../../lib/domain/roles";
import { parseInput } from "../../../lib/http/validate";
import { formInput, goTo } from "../lib/respond";
import type { AppEnv } from "../types";
import { CsrfField } from "../views/layout";
import { EmptyState, Field } from "../views/pages";
import { renderPage } from "../views/render";
import { createContent } from "../content/service";
import { campaignInput, createCampaign, createTemplate, getTemplate, listCampaigns, listTemplates, templateInput } from "./service";

export const campaignPages = new Hono<AppEnv>();

campaignPages.get("/campaigns", async (c) => {
  const { workspace, role } = c.var.access;
  const base = `/w/${workspace.id}`;
  const [campaignList, templateList] = await Promise.all([listCampaigns(c.var.db, c.var.access), listTemplates(c.var.db, c.var.access)]);
  const manage = can(role, "campaigns.manage");
  return renderPage(
    c,
    { title: "Campaigns & templates", area: "content", inWorkspace: true },
    <>
      <h1>Campaigns &amp; templates</h1>
      <h2>Campaigns</h2>
      {campaignList.length === 0 ? (
        <EmptyState title="No campaigns">Group content under a campaign to filter and report on it together.</EmptyState>
      ) : (
        <ul class="list">
          {campaignList.map((x) => (
            <li>
              <a href={`${base}/content?campaignId=${x.id}`}>{x.name}</a> {x.description && <span class="hint">{x.description}</span>}
            </li>
          ))}
        </ul>
      )}
      {manage && (
        <form method="post" action={`${base}/campaigns`} class="card">
          <CsrfField token={c.var.csrfToken} />
          <Field label="Campaign name" name="name" required />
          <Field label="Description" name="description" />
          <button type="submit">Create campaign</button>
        </form>
      )}
      <h2>Templates</h2>
      {templateList.length === 0 ? (
        <EmptyState title="No templates">A template is a reusable structure: a body with placeholders and the platforms it targets.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Platforms</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {templateList.map((t) => (
              <tr>
                <td>{t.name}</td>
                <td>{t.kind}</td>
                <td>{t.platforms.join(", ")}</td>
                <td>
                  {can(role, "content.edit") && (
                    <form method="post" action={`${base}/templates/${t.id}/use`}>
                      <CsrfField token={c.var.csrfToken} />
                      <button type="submit" class="secondary">
                        New draft from this
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <form method="post" action={`${base}/templates`} class="card">
          <CsrfField token={c.var.csrfToken} />
          <Field label="Template name" name="name" required />
          <Field label="Kind" name="kind">
            <select id="f-kind" name="kind">
              {CONTENT_KINDS.map((k) => (
                <option value={k}>{k}</option>
              ))}
            </select>
          </Field>
          <p class="field">
            <label for="f-body">Body (Markdown; placeholders like {"{{topic}}"} are kept for you to fill in)</label>
            <textarea id="f-body" name="body" rows={6} required></textarea>
          </p>
          <Field label={`Platforms (comma-separated: ${PLATFORMS.join(", ")})`} name="platforms" />
          <button type="submit">Create template</button>
        </form>
      )}
    </>,
  );
});

campaignPages.post("/campaigns", async (c) => {
  await createCampaign(c.var.db, c.var.access, parseInput(campaignInput, await formInput(c)));
  return goTo(c, `/w/${c.var.access.workspace.id}/campaigns`);
});

campaignPages.post("/templates", async (c) => {
  await createTemplate(c.var.db, c.var.access, parseInput(templateInput, await formInput(c)));
  return goTo(c, `/w/${c.var.access.workspace.id}/campaigns`);
});

/** A new draft with the template's body and an empty variant for each of its platforms. */
campaignPages.post("/templates/:templateId/use", async (c) => {
  const template = await getTemplate(c.var.db, c.var.access, c.req.param("templateId"));
  const item = await createContent(c.var.db, c.var.access, {
    kind: template.kind,
    title: `${template.name} (draft)`,
    body: template.body,
    tags: [],
    campaignId: null,
    brandVoice: null,
    variants: template.platforms.map((platform) => ({ platform, text: template.kind === "post" ? template.body : "", title: null, link: null, mediaIds: [] })),
  });
  return goTo(c, `/w/${c.var.access.workspace.id}/content/${item.id}`);
});
