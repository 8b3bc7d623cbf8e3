/**
 * Roles and what each may do: the one permission table, enforced on every UI and API route and
 * written out in docs/PERMISSIONS.md (a test keeps the two in step).
 */
export const ROLES = ["owner", "admin", "editor", "viewer"] as const;
export type Role = (typeof ROLES)[number];

type PermissionSpec = {
  /** Who may do it. */
  roles: readonly Role[];
  /** `read` permissions are all a read-scoped API token can use. */
  kind: "read" | "write";
  description: string;
};

const everyone = ROLES;
const managers = ["owner", "admin"] as const;
const writers = ["owner", "admin", "editor"] as const;

export const PERMISSIONS = {
  "workspace.view": { roles: everyone, kind: "read", description: "See the workspace and its members" },
  "workspace.rename": { roles: managers, kind: "write", description: "Rename the workspace, change its time zone" },
  "members.invite": { roles: managers, kind: "write", description: "Invite people and revoke invitations" },
  "members.manage": {
    roles: managers,
    kind: "write",
    description: "Change a member's role or remove a member (only owners grant or take away the owner role)",
  },
  "tokens.manage": { roles: managers, kind: "write", description: "Create, list and revoke API tokens" },
  "audit.view": { roles: managers, kind: "read", description: "Browse the audit log" },
  "content.view": { roles: everyone, kind: "read", description: "See content, its revisions, timeline and the calendar" },
  "content.edit": { roles: writers, kind: "write", description: "Create and edit content, submit it for review, schedule approved content, ask for fresh analytics figures" },
  "content.review": { roles: managers, kind: "write", description: "Approve content or request changes" },
  "content.comment": { roles: everyone, kind: "write", description: "Comment on content and mention members" },
  "campaigns.manage": { roles: writers, kind: "write", description: "Create and edit campaigns and templates" },
  "sources.view": { roles: everyone, kind: "read", description: "See sources, their health and the items they found" },
  "sources.manage": { roles: writers, kind: "write", description: "Add, pause, resume, run and delete sources" },
  "media.view": { roles: everyone, kind: "read", description: "See and download the media library" },
  "media.upload": { roles: writers, kind: "write", description: "Upload media and edit its alt text" },
  "media.delete": { roles: writers, kind: "write", description: "Delete media no content uses" },
  "accounts.view": { roles: everyone, kind: "read", description: "See connected social accounts, their health, and publications with their status and links" },
  "accounts.manage": { roles: managers, kind: "write", description: "Connect, reconnect and disconnect social accounts" },
  "generation.view": { roles: everyone, kind: "read", description: "See generation jobs, their progress, attempts and cost, the providers (never their keys), voices, prices and budget" },
  "generation.run": { roles: writers, kind: "write", description: "Start, cancel and retry generation jobs" },
  "voices.manage": { roles: writers, kind: "write", description: "Create, edit and delete brand voices" },
  "generation.configure": { roles: managers, kind: "write", description: "Add, order and remove AI providers and their API keys; edit the price table and the monthly budget" },
  "subscribers.view": { roles: writers, kind: "read", description: "See subscribers, their consent records, lists, segments and imports" },
  "subscribers.manage": { roles: writers, kind: "write", description: "Add, edit, tag, import and unsubscribe subscribers; manage lists and segments" },
  "subscribers.export": { roles: managers, kind: "read", description: "Export subscribers as CSV and a subscriber's data (GDPR)" },
  "subscribers.erase": { roles: managers, kind: "write", description: "Erase a subscriber (GDPR), keeping only a hashed suppression entry" },
  "newsletters.view": { roles: everyone, kind: "read", description: "See newsletters, their previews, sends and progress" },
  "newsletters.edit": { roles: writers, kind: "write", description: "Create and edit newsletters and send tests" },
  "newsletters.send": { roles: managers, kind: "write", description: "Start, schedule, pause, resume and cancel sends" },
  "email.configure": { roles: managers, kind: "write", description: "Choose the email provider and its API key, the sender, the webhook key and tracking" },
  "analytics.view": { roles: everyone, kind: "read", description: "See engagement analytics, best times to post, and export them as CSV" },
  "inbox.view": { roles: everyone, kind: "read", description: "See comments and mentions that platforms sent through their webhooks" },
  "inbox.manage": { roles: writers, kind: "write", description: "Mark inbox items as done" },
  "webhooks.manage": { roles: managers, kind: "write", description: "Register outgoing webhook endpoints, see their delivery log and send tests; set the inbound webhook secret" },
  "operations.view": { roles: managers, kind: "read", description: "See the operations page: queue depths, job failure rates and publish lag" },
} as const satisfies Record<string, PermissionSpec>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission].roles as readonly Role[]).includes(role);
}

/** What an API token may do: its creator's role, narrowed by the token's scope. */
export function tokenCan(role: Role, scope: "read" | "write", permission: Permission): boolean {
  if (scope === "read" && PERMISSIONS[permission].kind !== "read") return false;
  return can(role, permission);
}

/** Only an owner may make someone an owner or change an owner's role. */
export function canAssignRole(actor: Role, from: Role | null, to: Role): boolean {
  if (!can(actor, "members.manage")) return false;
  if ((to === "owner" || from === "owner") && actor !== "owner") return false;
  return true;
}
