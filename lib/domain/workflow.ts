/**
 * The approval workflow as an explicit state machine. Every transition names who may take it:
 * writers (owner, admin, editor) move their work along, reviewers (owner, admin) decide on it, and
 * the publisher's own steps are taken by "system" only. Archived is reachable from every state but
 * publishing (a post on its way out cannot be pulled back mid-flight) and leads back to draft.
 */
import type { Role } from "./roles";

export const STATUSES = ["draft", "in_review", "approved", "changes_requested", "scheduled", "publishing", "published", "failed", "archived"] as const;
export type Status = (typeof STATUSES)[number];

type Who = "writers" | "reviewers" | "system";

const TRANSITIONS = {
  submit: { from: ["draft"], to: "in_review", by: "writers" },
  approve: { from: ["in_review"], to: "approved", by: "reviewers" },
  request_changes: { from: ["in_review"], to: "changes_requested", by: "reviewers" },
  resubmit: { from: ["changes_requested"], to: "in_review", by: "writers" },
  back_to_draft: { from: ["changes_requested"], to: "draft", by: "writers" },
  schedule: { from: ["approved"], to: "scheduled", by: "writers" },
  unschedule: { from: ["scheduled"], to: "approved", by: "writers" },
  start_publishing: { from: ["scheduled"], to: "publishing", by: "system" },
  mark_published: { from: ["publishing"], to: "published", by: "system" },
  mark_failed: { from: ["publishing"], to: "failed", by: "system" },
  retry: { from: ["failed"], to: "scheduled", by: "writers" },
  archive: { from: ["draft", "in_review", "approved", "changes_requested", "scheduled", "published", "failed"], to: "archived", by: "writers" },
  restore: { from: ["archived"], to: "draft", by: "writers" },
} as const satisfies Record<string, { from: readonly Status[]; to: Status; by: Who }>;

export type Action = keyof typeof TRANSITIONS;
export const ACTIONS = Object.keys(TRANSITIONS) as Action[];

const WRITERS: readonly Role[] = ["owner", "admin", "editor"];
const REVIEWERS: readonly Role[] = ["owner", "admin"];

export type Actor = { userId: string; role: Role } | "system";
export type Item = { status: string; authorId: string };
export type WorkflowSettings = { allowSelfApproval: boolean };

export type TransitionResult = { ok: true; to: Status } | { ok: false; status: 403 | 409; message: string; allowed: Action[] };

const isAction = (action: string): action is Action => Object.hasOwn(TRANSITIONS, action);

function permitted(action: Action, item: Item, actor: Actor, settings: WorkflowSettings): string | null {
  const rule = TRANSITIONS[action];
  if (rule.by === "system") return actor === "system" ? null : "Only the publisher takes this step.";
  if (actor === "system") return "The publisher only takes publishing steps.";
  const roles = rule.by === "reviewers" ? REVIEWERS : WRITERS;
  if (!roles.includes(actor.role)) return `A ${actor.role} cannot ${action.replace(/_/g, " ")} content.`;
  if (action === "approve" && item.authorId === actor.userId && !settings.allowSelfApproval) {
    return "You cannot approve your own content in this workspace; another admin or owner must.";
  }
  return null;
}

/** The actions this actor may take on the item now, in table order: what the UI offers as buttons. */
export function allowedActions(item: Item, actor: Actor, settings: WorkflowSettings): Action[] {
  return ACTIONS.filter((a) => (TRANSITIONS[a].from as readonly string[]).includes(item.status) && permitted(a, item, actor, settings) === null);
}

/**
 * Where `action` takes the item, or why not: 409 when the action does not apply to the item's status
 * (or is unknown), 403 when it does but not for this actor. A refusal lists what the actor may do now.
 */
export function transition(item: Item, action: string, actor: Actor, settings: WorkflowSettings): TransitionResult {
  const allowed = allowedActions(item, actor, settings);
  const list = allowed.length ? allowed.join(", ") : "none";
  if (!isAction(action)) return { ok: false, status: 409, message: `Unknown action “${action}”. Allowed now: ${list}.`, allowed };
  const rule = TRANSITIONS[action];
  if (!(rule.from as readonly string[]).includes(item.status)) {
    return { ok: false, status: 409, message: `Cannot ${action.replace(/_/g, " ")} an item that is ${item.status.replace(/_/g, " ")}. Allowed now: ${list}.`, allowed };
  }
  const refusal = permitted(action, item, actor, settings);
  if (refusal) return { ok: false, status: 403, message: `${refusal} Allowed for you now: ${list}.`, allowed };
  return { ok: true, to: rule.to };
}
