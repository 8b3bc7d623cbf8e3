/**
 * SendGrid v3 Mail Send: one request carries up to 1,000 personalizations, each with its own
 * recipient, subject, substitutions, headers and custom_args (our delivery id and batch key, which
 * come back in Event Webhook events). SendGrid answers 202 with an X-Message-Id for the request.
 * Reconciliation asks the Email Activity API for the messages carrying the batch key.
 */
import { refused, request, type Batch, type BatchResult, type EmailProvider } from "./types";

export const SENDGRID_MAX_PERSONALIZATIONS = 1000;

export function sendgrid(apiKey: string, baseUrl = "https://api.sendgrid.com"): EmailProvider {
  const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
  return {
    name: "sendgrid",
    maxBatch: SENDGRID_MAX_PERSONALIZATIONS,
    async send(batch: Batch): Promise<BatchResult> {
      const body = {
        personalizations: batch.recipients.map((r) => ({
          to: [{ email: r.email, ...(r.name ? { name: r.name } : {}) }],
          subject: r.subject,
          substitutions: r.substitutions,
          headers: r.headers,
          custom_args: { delivery_id: r.deliveryId, batch_key: batch.batchKey },
        })),
        from: { email: batch.from.email, ...(batch.from.name ? { name: batch.from.name } : {}) },
        ...(batch.replyTo ? { reply_to: { email: batch.replyTo.email, ...(batch.replyTo.name ? { name: batch.replyTo.name } : {}) } } : {}),
        content: [
          { type: "text/plain", value: batch.text },
          { type: "text/html", value: batch.html },
        ],
        // Tracking is ours (off by default, per workspace), never the provider's link rewriting.
        tracking_settings: { click_tracking: { enable: false, enable_text: false }, open_tracking: { enable: false } },
      };
      const response = await request(`${baseUrl}/v3/mail/send`, { method: "POST", headers, body: JSON.stringify(body) });
      if (response.status !== 202 && response.status !== 200) throw await refused(response, "SendGrid");
      const messageId = response.headers.get("x-message-id");
      return { accepted: batch.recipients.map((r) => ({ deliveryId: r.deliveryId, messageId })), rejected: [] };
    },
    async reconcile(batch: Batch): Promise<BatchResult | null> {
      const query = `unique_args['batch_key']="${batch.batchKey}"`;
      const response = await request(`${baseUrl}/v3/messages?limit=${SENDGRID_MAX_PERSONALIZATIONS}&query=${encodeURIComponent(query)}`, { headers });
      // Without the Email Activity add-on the API answers 403: SendGrid cannot tell us.
      if (response.status === 403 || response.status === 404) return null;
      if (!response.ok) throw await refused(response, "SendGrid");
      const body = (await response.json()) as { messages?: { to_email: string; msg_id: string }[] };
      const held = new Map((body.messages ?? []).map((m) => [m.to_email.toLowerCase(), m.msg_id]));
      return {
        accepted: batch.recipients.filter((r) => held.has(r.email.toLowerCase())).map((r) => ({ deliveryId: r.deliveryId, messageId: held.get(r.email.toLowerCase()) ?? null })),
        rejected: [],
      };
    },
  };
}

