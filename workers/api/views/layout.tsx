import type { Child } from "hono/jsx";
import type { User, Workspace } from "../../../lib/db/schema";
import { can, type Role } from "../../../lib/domain/roles";
import { AREAS } from "./areas";

// htmx swaps every answer except 204 into its target, errors included: the server renders error
// messages as fragments meant to be shown (see workers/api/errors.tsx).
const HTMX_CONFIG = JSON.stringify({
  responseHandling: [
    { code: "204", swap: false },
    { code: "...", swap: true },
  ],
});

export type Chrome = {
  title: string;
  csrfToken: string;
  user?: User | null;
  workspace?: Workspace;
  role?: Role;
  workspaces?: { id: string; name: string }[];
  area?: string;
};

export function Layout(props: Chrome & { children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{`${props.title} · Content Engine`}</title>
        <link rel="stylesheet" href="/app.css" />
        <script src="/vendor/htmx.min.js" defer></script>
      </head>
      <body hx-boost="true" hx-headers={JSON.stringify({ "X-CSRF-Token": props.csrfToken })}>
        <header class="topbar">
          <a class="brand" href="/">
            Content Engine
          </a>
          {props.user && props.workspaces && <WorkspaceSwitcher current={props.workspace} workspaces={props.workspaces} />}
          {props.user && (
            <nav class="account" aria-label="Account">
              {props.workspace && <a href={`/w/${props.workspace.id}/notifications`}>Notifications</a>}
              <a href="/account">{props.user.name}</a>
              <form method="post" action="/logout">
                <CsrfField token={props.csrfToken} />
                <button class="link">Log out</button>
              </form>
            </nav>
          )}
        </header>
        <div class={props.workspace ? "shell" : "shell single"}>
          {props.workspace && <WorkspaceNav workspace={props.workspace} area={props.area ?? ""} />}
          <main id="main">
            <div id="flash" aria-live="polite"></div>
            {props.children}
          </main>
        </div>
      </body>
    </html>
  );
}

function WorkspaceSwitcher(props: { current?: Workspace; workspaces: { id: string; name: string }[] }) {
  return (
    <nav class="switcher" aria-label="Workspaces">
      <details>
        <summary>{props.current?.name ?? "Workspaces"}</summary>
        <ul>
          {props.workspaces.map((w) => (
            <li>
              <a href={`/w/${w.id}`} aria-current={w.id === props.current?.id ? "page" : undefined}>
                {w.name}
              </a>
            </li>
          ))}
          <li>
            <a href="/workspaces">All workspaces / new…</a>
          </li>
        </ul>
      </details>
    </nav>
  );
}

function WorkspaceNav(props: { workspace: Workspace; area: string }) {
  return (
    <nav class="sidebar" aria-label="Workspace">
      <ul>
        {AREAS.map((a) => (
          <li>
            <a
              href={`/w/${props.workspace.id}${a.slug ? `/${a.slug}` : ""}`}
              aria-current={a.slug === props.area ? "page" : undefined}
            >
              {a.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

export function Flash(props: { kind: "error" | "ok"; children: Child }) {
  return (
    <div class={`flash ${props.kind}`} role={props.kind === "error" ? "alert" : "status"}>
      {props.children}
    </div>
  );
}

export function SettingsTabs(props: { workspaceId: string; current: string; role: Role }) {
  const tabs = [
    { href: "settings", label: "General" },
    { href: "members", label: "Members" },
    ...(can(props.role, "tokens.manage") ? [{ href: "tokens", label: "API tokens" }] : []),
    ...(can(props.role, "audit.view") ? [{ href: "audit", label: "Audit log" }] : []),
    ...(can(props.role, "webhooks.manage") ? [{ href: "webhooks", label: "Webhooks" }] : []),
    ...(can(props.role, "operations.view") ? [{ href: "operations", label: "Operations" }] : []),
  ];
  return (
    <nav class="tabs" aria-label="Settings">
      {tabs.map((t) => (
        <a href={`/w/${props.workspaceId}/${t.href}`} aria-current={t.href === props.current ? "page" : undefined}>
          {t.label}
        </a>
      ))}
    </nav>
  );
}
