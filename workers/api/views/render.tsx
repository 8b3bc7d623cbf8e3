import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Child } from "hono/jsx";
import { workspacesOf } from "../workspaces/service";
import type { AppEnv } from "../types";
import { Layout } from "./layout";

/** A full page in the layout, with the chrome (user, workspace switcher, sidebar) from the request. */
export async function renderPage(
  c: Context<AppEnv>,
  page: { title: string; area?: string; inWorkspace?: boolean },
  body: Child,
  status: ContentfulStatusCode = 200,
) {
  const auth = c.get("auth");
  const access = page.inWorkspace ? c.get("access") : undefined;
  const workspaces = auth ? await workspacesOf(c.var.db, auth.user.id) : undefined;
  return c.html(
    <Layout
      title={page.title}
      csrfToken={c.var.csrfToken}
      user={auth?.user}
      workspace={access?.workspace}
      role={access?.role}
      workspaces={workspaces}
      area={page.area}
    >
      {body}
    </Layout>,
    status,
  );
}
