/**
 * The signup form a workspace pastes into its own site: it posts straight to the public signup
 * endpoint (no CSRF token: the endpoint is built for cross-site posts and guards itself with the
 * honeypot and rate limits). The consent text is the owner's words, so it is escaped like any other
 * user string: pasted into a page it stays text.
 */
import type { EmailList } from "../../../lib/db/schema";
import { publicPaths } from "../../../lib/email/links";
import { escapeHtml } from "../../../lib/email/personalise";

export function embedSnippet(origin: string, list: Pick<EmailList, "id" | "consentText">): string {
  return `<form method="post" action="${escapeHtml(origin + publicPaths.subscribe(list.id))}">
  <label>Email <input type="email" name="email" required></label>
  <label>First name <input name="first_name"></label>
  <input name="website" tabindex="-1" autocomplete="off" style="position:absolute;left:-10000px" aria-hidden="true">
  <label><input type="checkbox" name="consent" required> ${escapeHtml(list.consentText)}</label>
  <button type="submit">Subscribe</button>
</form>`;
}
