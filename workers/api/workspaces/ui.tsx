/** Workspace pages: the list and creation form, the overview, empty areas, and general settings. */
import { Hono } from "hono";
import { workspaceInput } from "../../../lib/domain/inputs";
import { can } from "../../../lib/domain/roles";
import { forbidden } from "../../../lib/http/errors";
import { parseInput } from "../../../lib/http/validate";
import { formInput, goTo } from "../lib/respond";
import { requireUser } from "../middleware/auth";
import { clientIp } from "../middleware/context";
import type { AppEnv } from "../types";
import { AREAS } from "../views/areas";
import { CsrfField, Flash, SettingsTabs } from "../views/layout";
import { Field } from "../views/pages";
import { renderPage } from "../views/render";
import { createWorkspace, updateWorkspace, workspacesOf } from "./service";

export const workspaceRoutes = new Hono<AppEnv>();

workspaceRoutes.get("/", (c) => c.redirect(c.var.auth ? "/workspaces" : "/signup", 303));

workspaceRoutes.get("/workspaces", requireUser, async (c) => {
  const mine = await workspacesOf(c.var.db, c.var.auth!.user.id);
  return renderPage(
    c,
    { title: "Workspaces" },
    <section class="card narrow">
      <h1>Workspaces</h1>
      {mine.length === 0 ? (
        <p>You are not in any workspace yet. Create one, or open an invitation link someone sent you.</p>
      ) : (
        <ul class="list">
          {mine.map((w) => (
            <li>
              <a href={`/w/${w.id}`}>{w.name}</a> <span class="badge">{w.role}</span>
            </li>
          ))}
        </ul>
      )}
      <h2>New workspace</h2>
      <form method="post" action="/workspaces">
        <CsrfField token={c.var.csrfToken} />
        <Field label="Name" name="name" required />
        <button type="submit">Create workspace</button>
      </form>
    </section>,
  );
});

workspaceRoutes.post("/workspaces", requireUser, async (c) => {
  const input = parseInput(workspaceInput, await formInput(c));
  const workspace = await createWorkspace(c.var.db, { userId: c.var.auth!.user.id, ip: clientIp(c) }, input);
  return goTo(c, `/w/${workspace.id}`);
});

/** Pages inside one workspace; mounted under /w/:workspaceId behind workspaceAccess (see index.ts). */
export const workspacePages = new Hono<AppEnv>();

workspacePages.get("/", (c) => {
  const { workspace, role } = c.var.access;
  return renderPage(
    c,
    { title: workspace.name, area: "", inWorkspace: true },
    <>
      <h1>{workspace.name}</h1>
      <p>
        You are {role === "owner" || role === "admin" ? "an" : "a"} <strong>{role}</strong> here. Time zone: {workspace.timezone}.
      </p>
      <ul class="areas">
        {AREAS.filter((a) => a.blurb).map((a) => (
          <li>
            <a href={`/w/${workspace.id}/${a.slug}`}>{a.label}</a>
            <p>{a.blurb}</p>
          </li>
        ))}
      </ul>
    </>,
  );
});

workspacePages.get("/settings", (c) => {
  const { workspace, role } = c.var.access;
  const editable = can(role, "workspace.rename");
  return renderPage(
    c,
    { title: "Settings", area: "settings", inWorkspace: true },
    <>
      <h1>Settings</h1>
      <SettingsTabs workspaceId={workspace.id} current="settings" role={role} />
      <form method="post" action={`/w/${workspace.id}/settings`} hx-post={`/w/${workspace.id}/settings`} hx-target="#flash">
        <CsrfField token={c.var.csrfToken} />
        <fieldset disabled={!editable}>
          <Field label="Workspace name" name="name" value={workspace.name} required />
          <Field label="Time zone" name="timezone" value={workspace.timezone} hint="An IANA zone, for example Europe/Paris. The calendar and posting slots use it." />
          <p class="field checkbox">
            <input type="hidden" name="allowSelfApproval" value="off" />
            <label>
              <input type="checkbox" name="allowSelfApproval" value="on" checked={workspace.allowSelfApproval} /> Authors may approve their own content
            </label>
          </p>
          <button type="submit">Save</button>
        </fieldset>
        {!editable && <p class="hint">Only owners and admins can change these.</p>}
      </form>
    </>,
  );
});

workspacePages.post("/settings", async (c) => {
  if (!can(c.var.access.role, "workspace.rename")) throw forbidden();
  const input = parseInput(workspaceInput, await formInput(c));
  await updateWorkspace(c.var.db, c.var.access, input);
  if (c.req.header("hx-request")) return c.html(<Flash kind="ok">Saved.</Flash>);
  return goTo(c, `/w/${c.var.access.workspace.id}/settings`);
});

