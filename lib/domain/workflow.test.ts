/**
 * The state machine exhaustively: every state × every action × every role (and the publisher),
 * against a table written out here by hand.
 */
import { describe, expect, it } from "vitest";
import { ROLES, type Role } from "./roles";
import { ACTIONS, STATUSES, transition, allowedActions, type Action, type Status } from "./workflow";

const EXPECTED: Record<Action, { from: Status[]; to: Status; by: Role[] | "system" }> = {
  submit: { from: ["draft"], to: "in_review", by: ["owner", "admin", "editor"] },
  approve: { from: ["in_review"], to: "approved", by: ["owner", "admin"] },
  request_changes: { from: ["in_review"], to: "changes_requested", by: ["owner", "admin"] },
  resubmit: { from: ["changes_requested"], to: "in_review", by: ["owner", "admin", "editor"] },
  back_to_draft: { from: ["changes_requested"], to: "draft", by: ["owner", "admin", "editor"] },
  schedule: { from: ["approved"], to: "scheduled", by: ["owner", "admin", "editor"] },
  unschedule: { from: ["scheduled"], to: "approved", by: ["owner", "admin", "editor"] },
  start_publishing: { from: ["scheduled"], to: "publishing", by: "system" },
  mark_published: { from: ["publishing"], to: "published", by: "system" },
  mark_failed: { from: ["publishing"], to: "failed", by: "system" },
  retry: { from: ["failed"], to: "scheduled", by: ["owner", "admin", "editor"] },
  archive: { from: ["draft", "in_review", "approved", "changes_requested", "scheduled", "published", "failed"], to: "archived", by: ["owner", "admin", "editor"] },
  restore: { from: ["archived"], to: "draft", by: ["owner", "admin", "editor"] },
};

const settings = { allowSelfApproval: false };
const actors = [...ROLES, "system"] as const;

describe("workflow", () => {
  it("knows exactly the actions of the table", () => {
    expect([...ACTIONS].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const status of STATUSES) {
    for (const action of ACTIONS) {
      for (const who of actors) {
        const rule = EXPECTED[action];
        const legal = rule.from.includes(status);
        const permitted = rule.by === "system" ? who === "system" : who !== "system" && rule.by.includes(who);
        it(`${who} ${action} from ${status}: ${!legal ? "409" : permitted ? `→ ${rule.to}` : "403"}`, () => {
          // Someone else's item, so the self-approval rule does not interfere here.
          const actor = who === "system" ? "system" : { userId: "reviewer", role: who };
          const result = transition({ status, authorId: "author" }, action, actor, settings);
          if (!legal) {
            expect(result).toMatchObject({ ok: false, status: 409 });
          } else if (!permitted) {
            expect(result).toMatchObject({ ok: false, status: 403 });
          } else {
            expect(result).toEqual({ ok: true, to: rule.to });
          }
          expect(allowedActions({ status, authorId: "author" }, actor, settings).includes(action)).toBe(legal && permitted);
        });
      }
    }
  }

  it("nothing leaves publishing but the publisher, and archive is impossible there", () => {
    expect(allowedActions({ status: "publishing", authorId: "a" }, { userId: "o", role: "owner" }, settings)).toEqual([]);
    expect(transition({ status: "publishing", authorId: "a" }, "archive", { userId: "o", role: "owner" }, settings)).toMatchObject({ status: 409 });
  });

  it("an author cannot approve their own item unless the workspace allows it", () => {
    const own = { status: "in_review", authorId: "me" };
    const me = { userId: "me", role: "admin" as const };
    expect(transition(own, "approve", me, { allowSelfApproval: false })).toMatchObject({ ok: false, status: 403 });
    expect(transition(own, "approve", me, { allowSelfApproval: true })).toEqual({ ok: true, to: "approved" });
    expect(transition(own, "request_changes", me, { allowSelfApproval: false })).toEqual({ ok: true, to: "changes_requested" });
    expect(allowedActions(own, me, { allowSelfApproval: false })).toEqual(["request_changes", "archive"]);
    expect(allowedActions(own, me, { allowSelfApproval: true })).toEqual(["approve", "request_changes", "archive"]);
    expect(transition(own, "approve", { userId: "me", role: "owner" }, { allowSelfApproval: false })).toMatchObject({ status: 403 });
  });

  it("viewers may do nothing, and the publisher only its own steps", () => {
    for (const status of STATUSES) {
      expect(allowedActions({ status, authorId: "a" }, { userId: "v", role: "viewer" }, settings)).toEqual([]);
    }
    expect(allowedActions({ status: "scheduled", authorId: "a" }, "system", settings)).toEqual(["start_publishing"]);
    expect(allowedActions({ status: "publishing", authorId: "a" }, "system", settings)).toEqual(["mark_published", "mark_failed"]);
    expect(transition({ status: "draft", authorId: "a" }, "submit", "system", settings)).toMatchObject({ ok: false, status: 403 });
  });

  it("an illegal transition lists the allowed ones", () => {
    const result = transition({ status: "draft", authorId: "a" }, "approve", { userId: "e", role: "editor" }, settings);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.allowed).toEqual(["submit", "archive"]);
      expect(result.message).toContain("Allowed now: submit, archive");
    }
    expect(transition({ status: "draft", authorId: "a" }, "teleport", { userId: "e", role: "editor" }, settings)).toMatchObject({ status: 409 });
  });
});
