/**
 * Turns a message template and its recipients into a provider batch: per recipient, the signed
 * unsubscribe and preferences links (and tracking links when the workspace turned tracking on), the
 * RFC 8058 headers, the personalised subject and the substitutions for every tag in the parts.
 */
import { clickToken, manageToken, openToken, publicPaths } from "./links";
import { buildMime, unsubscribeHeaders, type Mailbox } from "./mime";
import { applySubstitutions, personalise, substitutionsFor, tagsIn, textTemplate } from "./personalise";
import type { Batch } from "./providers/types";
import { withTracking } from "./template";

export type Sender = { from: Mailbox; replyTo: Mailbox | null; unsubscribeMailto: string; tracking: boolean };
export type MessageTemplate = { subject: string; html: string; text: string };
export type Person = {
  deliveryId: string;
  subscriberId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  /** Extra per-recipient links by tag name (the confirmation link). */
  links?: Record<string, string>;
};

export async function buildBatch(opts: {
  secret: string;
  baseUrl: string;
  workspaceId: string;
  sendId: string | null;
  sender: Sender;
  message: MessageTemplate;
  people: Person[];
  batchKey: string;
}): Promise<Batch> {
  const { secret, baseUrl, sender, message } = opts;
  const tracked = sender.tracking ? withTracking(message.html) : { html: message.html, links: [] };
  const htmlTags = tagsIn(tracked.html);
  const textTags = tagsIn(message.text);
  const recipients = await Promise.all(
    opts.people.map(async (p) => {
      const manage = await manageToken(secret, { subscriberId: p.subscriberId, workspaceId: opts.workspaceId, sendId: opts.sendId });
      const links: Record<string, string> = {
        unsubscribe_url: baseUrl + publicPaths.unsubscribe(manage),
        preferences_url: baseUrl + publicPaths.preferences(manage),
        ...p.links,
      };
      if (sender.tracking) {
        links.open_url = baseUrl + publicPaths.open(await openToken(secret, p.deliveryId));
        for (const [i, url] of tracked.links.entries()) links[`click:${i}`] = baseUrl + publicPaths.click(await clickToken(secret, p.deliveryId, url));
      }
      const fields = { first_name: p.firstName, last_name: p.lastName, email: p.email };
      const name = [p.firstName, p.lastName].filter(Boolean).join(" ") || null;
      return {
        deliveryId: p.deliveryId,
        email: p.email,
        name,
        subject: personalise(message.subject, fields, {}, false),
        substitutions: substitutionsFor(htmlTags, textTags, fields, links),
        headers: unsubscribeHeaders(links.unsubscribe_url!, sender.unsubscribeMailto, p.subscriberId),
      };
    }),
  );
  return { batchKey: opts.batchKey, from: sender.from, replyTo: sender.replyTo, html: tracked.html, text: textTemplate(message.text), recipients };
}

/** Each message of a batch as the recipient receives it, in MIME (the send_email binding; tests). */
export function batchAsMime(batch: Batch): string[] {
  return batch.recipients.map((r) =>
    buildMime({
      from: batch.from,
      to: { email: r.email, name: r.name },
      replyTo: batch.replyTo,
      subject: r.subject,
      html: applySubstitutions(batch.html, r.substitutions),
      text: applySubstitutions(batch.text, r.substitutions),
      headers: r.headers,
    }),
  );
}
