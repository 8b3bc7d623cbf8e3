/**
 * The newsletter template: a responsive, single-column HTML message (tables and inline styles, the
 * markup mail clients render alike) with a hidden preheader, and its plain-text twin. Bodies come
 * from content items (Markdown, rendered then sanitized); personalisation tags are left in place for
 * each recipient's values (personalise.ts), and the footer always carries the unsubscribe and
 * preferences links.
 */
import { renderMarkdown } from "../content/markdown";
import { escapeHtml } from "./personalise";

export type NewsletterParts = {
  subject: string;
  preheader: string;
  /** Markdown. */
  intro: string;
  items: { title: string; body: string }[];
  senderName: string;
  postalAddress: string;
};

export function renderNewsletter(n: NewsletterParts): { html: string; text: string } {
  const sections = n.items
    .map(
      (item) => `<tr><td style="padding:24px 32px 0 32px;">
<h2 style="margin:0 0 12px 0;font-size:22px;line-height:1.3;color:#111;">${escapeHtml(item.title)}</h2>
<div style="font-size:16px;line-height:1.6;color:#222;">${renderMarkdown(item.body)}</div>
</td></tr>`,
    )
    .join("\n");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="x-apple-disable-message-reformatting">
<title>${escapeHtml(n.subject)}</title>
<style>@media (max-width:620px){.container{width:100% !important}.container td{padding-left:16px !important;padding-right:16px !important}}img{max-width:100%;height:auto}</style>
</head>
<body style="margin:0;padding:0;background:#f4f4f5;">
<div style="display:none;max-height:0;overflow:hidden;opacity:0;mso-hide:all;">${escapeHtml(n.preheader)}${"&#847;&zwnj;&nbsp;".repeat(30)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;"><tr><td align="center" style="padding:24px 8px;">
<table role="presentation" class="container" width="600" cellpadding="0" cellspacing="0" style="width:600px;max-width:600px;background:#ffffff;border-radius:8px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;">
<tr><td style="padding:32px 32px 0 32px;font-size:16px;line-height:1.6;color:#222;">${renderMarkdown(n.intro)}</td></tr>
${sections}
<tr><td style="padding:32px;font-size:12px;line-height:1.5;color:#666;border-top:1px solid #eee;">
You receive this because you subscribed to ${escapeHtml(n.senderName)}.${n.postalAddress ? `<br>${escapeHtml(n.postalAddress)}` : ""}<br>
<a href="{{unsubscribe_url}}" style="color:#666;">Unsubscribe</a> · <a href="{{preferences_url}}" style="color:#666;">Manage your preferences</a>
</td></tr>
</table></td></tr></table>
</body></html>`;
  const text = [
    n.intro.trim(),
    ...n.items.map((item) => `${item.title}\n${"=".repeat(Math.min(item.title.length, 72))}\n\n${item.body.trim()}`),
    `--\nYou receive this because you subscribed to ${n.senderName}.${n.postalAddress ? `\n${n.postalAddress}` : ""}\nUnsubscribe: {{unsubscribe_url}}\nManage your preferences: {{preferences_url}}`,
  ]
    .filter(Boolean)
    .join("\n\n");
  return { html, text };
}

/**
 * With tracking on, each http(s) link of the HTML becomes a `{{click:N}}` tag (each recipient gets a
 * signed redirect naming their delivery) and a pixel is added; `links[N]` is the original URL.
 * Unsubscribe and preferences links are never tracked.
 */
export function withTracking(html: string): { html: string; links: string[] } {
  const links: string[] = [];
  const tracked = html.replace(/href="(https?:\/\/[^"]+)"/g, (_all, url: string) => {
    links.push(url.replace(/&amp;/g, "&"));
    return `href="{{click:${links.length - 1}}}"`;
  });
  return { html: tracked.replace("</body>", `<img src="{{open_url}}" width="1" height="1" alt="" style="display:block;border:0;"></body>`), links };
}

/** The confirmation message for double opt-in. */
export function confirmationMessage(listName: string, senderName: string): { subject: string; html: string; text: string } {
  const subject = `Please confirm your subscription to ${listName}`;
  const html = `<!doctype html><html><body style="font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.6;color:#222;">
<p>Hello {{first_name|there}},</p>
<p>Please confirm that you want to receive ${escapeHtml(listName)} from ${escapeHtml(senderName)}.</p>
<p><a href="{{confirm_url}}" style="display:inline-block;padding:10px 18px;background:#2563eb;color:#fff;border-radius:6px;text-decoration:none;">Confirm my subscription</a></p>
<p style="font-size:13px;color:#666;">If you did not ask for this, ignore this message: nothing will be sent to you. The link expires in 48 hours.</p>
</body></html>`;
  const text = `Hello {{first_name|there}},\n\nPlease confirm that you want to receive ${listName} from ${senderName}:\n{{confirm_url}}\n\nIf you did not ask for this, ignore this message: nothing will be sent to you. The link expires in 48 hours.`;
  return { subject, html, text };
}
