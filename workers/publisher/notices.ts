/**
 * A publication that failed for good is told by email too, not only in the app: to the item's
 * author and the workspace's owners and admins, through the workspace's own email provider (the one
 * its newsletters use). Best effort: without a provider, or when the provider refuses, the in-app
 * notice stands and the reason is logged; a notice never turns a publish outcome into an error.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../lib/db/client";
import { log } from "../../lib/log";
import { outboxOf } from "../../lib/email/settings";
import { newId } from "../../lib/ids";
import { PLATFORM_NAMES, type Platform } from "../../lib/domain/platforms";

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Provider templates read `{{…}}` as personalisation tags: the platform's words must not. */
const untagged = (text: string) => text.replace(/\{\{/g, "{ {").replace(/\}\}/g, "} }");

export type FailureNotice = { workspaceId: string; contentId: string; publicationId: string; accountId: string; message: string };

export async function mailFailureNotice(env: object, db: Db, notice: FailureNotice): Promise<"sent" | "no_provider" | "no_recipients" | "refused"> {
  try {
    const outbox = await outboxOf(db, env, notice.workspaceId);
    if (!outbox) return "no_provider";
    const people = await db.all<{ email: string; name: string; title: string; platform: string; handle: string }>(sql`
      SELECT u.email, u.name, c.title, a.platform, a.handle FROM users u, content c, social_accounts a
      WHERE c.id = ${notice.contentId} AND c.workspace_id = ${notice.workspaceId}
        AND a.id = ${notice.accountId} AND a.workspace_id = ${notice.workspaceId}
        AND u.id IN (SELECT author_id FROM content WHERE id = ${notice.contentId}
                     UNION SELECT user_id FROM memberships WHERE workspace_id = ${notice.workspaceId} AND role IN ('owner', 'admin'))`);
    if (people.length === 0) return "no_recipients";
    const { title: rawTitle, platform, handle } = people[0]!;
    const title = untagged(rawTitle);
    const where = `${PLATFORM_NAMES[platform as Platform] ?? platform} (${untagged(handle)})`;
    const subject = `Publishing failed: ${title}`;
    const text = [`"${title}" could not be published to ${where}.`, "", `${where} said: ${untagged(notice.message)}`, "", "Open the item in Content Engine to fix it and retry."].join("\n");
    const html = `<p>&ldquo;${escapeHtml(title)}&rdquo; could not be published to ${escapeHtml(where)}.</p><p>${escapeHtml(where)} said: <strong>${escapeHtml(untagged(notice.message))}</strong></p><p>Open the item in Content Engine to fix it and retry.</p>`;
    await outbox.provider.send({
      // One notice per failure: a retry of this very request is recognised by the providers that take a key.
      batchKey: `publish-failed-${notice.publicationId}-${Date.now()}`,
      from: outbox.sender.from,
      replyTo: outbox.sender.replyTo,
      html,
      text,
      recipients: people.map((p) => ({ deliveryId: newId("ntc"), email: p.email, name: p.name, subject, substitutions: {}, headers: {} })),
    });
    return "sent";
  } catch (err) {
    log.error("failure_notice_not_mailed", { publicationId: notice.publicationId, error: err });
    return "refused";
  }
}
