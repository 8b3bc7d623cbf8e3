/**
 * Resend's batch endpoint: up to 100 complete emails per request, rendered here per recipient. The
 * batch key is sent as the Idempotency-Key, so replaying a batch after a crash never sends twice:
 * Resend answers the replay with the first request's result.
 */
import { applySubstitutions } from "../personalise";
import { formatMailbox } from "../mime";
import { refused, request, type Batch, type BatchResult, type EmailProvider } from "./types";

export const RESEND_MAX_BATCH = 100;

export function resend(apiKey: string, baseUrl = "https://api.resend.com"): EmailProvider {
  async function post(batch: Batch): Promise<BatchResult> {
    const body = batch.recipients.map((r) => ({
      from: formatMailbox(batch.from),
      to: [r.name ? formatMailbox({ email: r.email, name: r.name }) : r.email],
      subject: r.subject,
      html: applySubstitutions(batch.html, r.substitutions),
      text: applySubstitutions(batch.text, r.substitutions),
      headers: r.headers,
      ...(batch.replyTo ? { reply_to: formatMailbox(batch.replyTo) } : {}),
      tags: [{ name: "delivery_id", value: r.deliveryId }],
    }));
    const response = await request(`${baseUrl}/emails/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "idempotency-key": batch.batchKey },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw await refused(response, "Resend");
    const result = (await response.json()) as { data: { id: string }[] };
    return { accepted: batch.recipients.map((r, i) => ({ deliveryId: r.deliveryId, messageId: result.data[i]?.id ?? null })), rejected: [] };
  }
  return { name: "resend", maxBatch: RESEND_MAX_BATCH, send: post, reconcile: post };
}
