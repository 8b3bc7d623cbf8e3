/** Members and invitations pages. Mutations answer htmx with the changed fragment, plain forms with a redirect. */
import { Hono } from "hono";
import type { Invite } from "../../../lib/db/schema";
import { inviteInput, roleInput } from "../../../lib/domain/inputs";
import { can, canAssignRole, ROLES, type Role } from "../../../lib/domain/roles";
import { parseInput } from "../../../lib/http/validate";
import { formInput, goTo } from "../lib/respond";
import { requireUser } from "../middleware/auth";
import { clientIp } from "../middleware/context";
import type { AppEnv } from "../types";
import { CsrfField, SettingsTabs } from "../views/layout";
import { Field } from "../views/pages";
import { renderPage } from "../views/render";
import {
  acceptInvite,
  changeRole,
  createInvite,
  inviteLink,
  listMembers,
  openInvite,
  pendingInvites,
  removeMember,
  revokeInvite,
  type Member,
} from "./service";
import { utcMinute } from "../views/format";

export const memberPages = new Hono<AppEnv>();
export const inviteAcceptance = new Hono<AppEnv>();

type Viewer = { userId: string; role: Role; workspaceId: string; csrfToken: string };

function MemberRow(props: { member: Member; viewer: Viewer }) {
  const { member, viewer } = props;
  const base = `/w/${viewer.workspaceId}/members/${member.userId}`;
  const self = member.userId === viewer.userId;
  const assignable = ROLES.filter((r) => canAssignRole(viewer.role, member.role, r));
  return (
    <tr id={`member-${member.userId}`}>
      <td>
        {member.name}
        {self && " (you)"}
      </td>
      <td>{member.email}</td>
      <td>
        {assignable.length > 1 && !self ? (
          <form method="post" action={`${base}/role`} hx-post={`${base}/role`} hx-target={`#member-${member.userId}`} hx-swap="outerHTML" hx-trigger="change">
            <CsrfField token={viewer.csrfToken} />
            <label class="visually-hidden" for={`role-${member.userId}`}>
              Role of {member.name}
            </label>
            <select id={`role-${member.userId}`} name="role">
              {assignable.map((r) => (
                <option value={r} selected={r === member.role}>
                  {r}
                </option>
              ))}
            </select>
            <noscript>
              <button type="submit">Change</button>
            </noscript>
          </form>
        ) : (
          member.role
        )}
      </td>
      <td>
        {(self || (can(viewer.role, "members.manage") && (member.role !== "owner" || viewer.role === "owner"))) && (
          <form
            method="post"
            action={`${base}/remove`}
            hx-post={`${base}/remove`}
            hx-target={`#member-${member.userId}`}
            hx-swap="outerHTML"
            hx-confirm={self ? "Leave this workspace? You will need a new invitation to come back." : `Remove ${member.name} from this workspace?`}
          >
            <CsrfField token={viewer.csrfToken} />
            <button type="submit" class="danger">
              {self ? "Leave" : "Remove"}
            </button>
          </form>
        )}
      </td>
    </tr>
  );
}

function InviteList(props: { invites: { invite: Invite; link: string }[]; viewer: Viewer }) {
  const { viewer } = props;
  return (
    <section id="invites">
      <h2>Pending invitations</h2>
      {props.invites.length === 0 ? (
        <p class="hint">No open invitations.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>For</th>
              <th>Role</th>
              <th>Expires</th>
              <th>Link</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {props.invites.map(({ invite, link }) => (
              <tr>
                <td>{invite.email ?? "anyone with the link"}</td>
                <td>{invite.role}</td>
                <td>
                  <time datetime={invite.expiresAt.toISOString()}>{utcMinute(invite.expiresAt)} UTC</time>
                </td>
                <td>
                  <input class="invite-link" readonly value={link} aria-label="Invitation link" />
                </td>
                <td>
                  <form
                    method="post"
                    action={`/w/${viewer.workspaceId}/invites/${invite.id}/revoke`}
                    hx-post={`/w/${viewer.workspaceId}/invites/${invite.id}/revoke`}
                    hx-target="#invites"
                    hx-swap="outerHTML"
                    hx-confirm="Withdraw this invitation? The link will stop working."
                  >
                    <CsrfField token={viewer.csrfToken} />
                    <button type="submit" class="danger">
                      Revoke
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Invite someone</h3>
      <form method="post" action={`/w/${viewer.workspaceId}/invites`} hx-post={`/w/${viewer.workspaceId}/invites`} hx-target="#invites" hx-swap="outerHTML">
        <CsrfField token={viewer.csrfToken} />
        <Field label="Email (optional: leave empty for a link anyone can use once)" name="email" type="email" />
        <Field label="Role" name="role">
          <select id="f-role" name="role">
            {ROLES.filter((r) => canAssignRole(viewer.role, null, r)).map((r) => (
              <option value={r} selected={r === "editor"}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit">Create invitation link</button>
      </form>
    </section>
  );
}

async function inviteListing(c: { env: Env; req: { url: string }; var: AppEnv["Variables"] }) {
  const origin = new URL(c.req.url).origin;
  const invites = await pendingInvites(c.var.db, c.var.access.workspace.id);
  return Promise.all(invites.map(async (invite) => ({ invite, link: await inviteLink(c.env, origin, invite) })));
}

function viewerOf(v: AppEnv["Variables"]): Viewer {
  return { userId: v.access.actor.userId, role: v.access.role, workspaceId: v.access.workspace.id, csrfToken: v.csrfToken };
}

memberPages.get("/members", async (c) => {
  const viewer = viewerOf(c.var);
  const members = await listMembers(c.var.db, viewer.workspaceId);
  return renderPage(
    c,
    { title: "Members", area: "settings", inWorkspace: true },
    <>
      <h1>Members</h1>
      <SettingsTabs workspaceId={viewer.workspaceId} current="members" role={viewer.role} />
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <MemberRow member={m} viewer={viewer} />
          ))}
        </tbody>
      </table>
      {can(viewer.role, "members.invite") && <InviteList invites={await inviteListing(c)} viewer={viewer} />}
    </>,
  );
});

memberPages.post("/members/:userId/role", async (c) => {
  const { role } = parseInput(roleInput, await formInput(c));
  const member = await changeRole(c.var.db, c.var.access, c.req.param("userId"), role);
  if (c.req.header("hx-request")) return c.html(<MemberRow member={member} viewer={viewerOf(c.var)} />);
  return goTo(c, `/w/${c.var.access.workspace.id}/members`);
});

memberPages.post("/members/:userId/remove", async (c) => {
  const userId = c.req.param("userId");
  await removeMember(c.var.db, c.var.access, userId);
  const leaving = userId === c.var.access.actor.userId;
  if (leaving) return goTo(c, "/workspaces");
  if (c.req.header("hx-request")) return c.body("", 200);
  return goTo(c, `/w/${c.var.access.workspace.id}/members`);
});

memberPages.post("/invites", async (c) => {
  const input = parseInput(inviteInput, await formInput(c));
  await createInvite(c.var.db, c.var.access, input);
  if (c.req.header("hx-request")) return c.html(<InviteList invites={await inviteListing(c)} viewer={viewerOf(c.var)} />);
  return goTo(c, `/w/${c.var.access.workspace.id}/members`);
});

memberPages.post("/invites/:inviteId/revoke", async (c) => {
  await revokeInvite(c.var.db, c.var.access, c.req.param("inviteId"));
  if (c.req.header("hx-request")) return c.html(<InviteList invites={await inviteListing(c)} viewer={viewerOf(c.var)} />);
  return goTo(c, `/w/${c.var.access.workspace.id}/members`);
});

inviteAcceptance.get("/invite/:token", requireUser, async (c) => {
  const open = await openInvite(c.var.db, c.env, c.req.param("token"));
  const path = new URL(c.req.url).pathname;
  return renderPage(
    c,
    { title: "Invitation" },
    <section class="card narrow">
      <h1>Join {open.workspace.name}</h1>
      <p>
        You have been invited as <strong>{open.invite.role}</strong>.
      </p>
      <form method="post" action={path}>
        <CsrfField token={c.var.csrfToken} />
        <button type="submit">Accept and join</button>
      </form>
    </section>,
  );
});

inviteAcceptance.post("/invite/:token", requireUser, async (c) => {
  const open = await openInvite(c.var.db, c.env, c.req.param("token"));
  await acceptInvite(c.var.db, c.var.auth!.user, open, clientIp(c));
  return goTo(c, `/w/${open.workspace.id}`);
});
