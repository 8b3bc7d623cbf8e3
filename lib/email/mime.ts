/**
 * RFC 5322 / MIME messages: multipart/alternative (plain text first, then HTML), bodies in base64
 * wrapped at 76 characters, non-ASCII header text as RFC 2047 encoded words. Used for the
 * `send_email` binding and to check, in tests, what every provider is asked to send.
 */
import { randomBytes, toHex } from "../crypto/encoding";

export type Mailbox = { email: string; name?: string | null };

export type MimeMessage = {
  from: Mailbox;
  to: Mailbox;
  replyTo?: Mailbox | null;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  date?: Date;
  messageId?: string;
};

function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

const wrap = (text: string, width = 76) => text.match(new RegExp(`.{1,${width}}`, "g"))?.join("\r\n") ?? "";

/** RFC 2047 encoded word when needed; header values never carry a line break. */
export function encodeHeaderText(text: string): string {
  const clean = text.replace(/[\r\n]+/g, " ");
  return /^[\x20-\x7e]*$/.test(clean) ? clean : `=?UTF-8?B?${base64Utf8(clean)}?=`;
}

export function formatMailbox(m: Mailbox): string {
  if (!m.name) return m.email;
  const name = /^[\x20-\x7e]*$/.test(m.name) ? `"${m.name.replace(/[\r\n]+/g, " ").replace(/(["\\])/g, "\\$1")}"` : encodeHeaderText(m.name);
  return `${name} <${m.email}>`;
}

export function buildMime(message: MimeMessage): string {
  const boundary = `=_ce_${toHex(randomBytes(12))}`;
  const domain = message.from.email.split("@")[1] ?? "localhost";
  const headers: [string, string][] = [
    ["From", formatMailbox(message.from)],
    ["To", formatMailbox(message.to)],
    ...(message.replyTo ? [["Reply-To", formatMailbox(message.replyTo)] as [string, string]] : []),
    ["Subject", encodeHeaderText(message.subject)],
    ["Date", (message.date ?? new Date()).toUTCString().replace("GMT", "+0000")],
    ["Message-ID", message.messageId ?? `<${toHex(randomBytes(16))}@${domain}>`],
    ["MIME-Version", "1.0"],
    ...Object.entries(message.headers).map(([k, v]) => [k, encodeHeaderText(v)] as [string, string]),
    ["Content-Type", `multipart/alternative; boundary="${boundary}"`],
  ];
  const part = (type: string, body: string) =>
    `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${wrap(base64Utf8(body))}\r\n`;
  return `${headers.map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n${part("text/plain", message.text)}${part("text/html", message.html)}--${boundary}--\r\n`;
}

/**
 * RFC 2369 List-Unsubscribe with both an https and a mailto URI, and RFC 8058's one-click marker:
 * a mail client that sees both POSTs `List-Unsubscribe=One-Click` to the https URI, no login needed.
 */
export function unsubscribeHeaders(httpsUrl: string, mailto: string, subscriberId: string): Record<string, string> {
  return {
    "List-Unsubscribe": `<${httpsUrl}>, <mailto:${mailto}?subject=unsubscribe-${subscriberId}>`,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
  };
}
