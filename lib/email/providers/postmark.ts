/**
 * Postmark's batch endpoint: up to 500 complete emails per request, each answered on its own
 * (ErrorCode 0 is sent; 406 an inactive, suppressed recipient). Every message carries the batch key
 * as its Tag, so after a crash the outbound message search tells which were sent.
 */
import { applySubstitutions } from "../personalise";
import { formatMailbox } from "../mime";
import { refused, request, type Batch, type BatchResult, type EmailProvider } from "./types";

export const POSTMARK_MAX_BATCH = 500;

export function postmark(serverToken: string, baseUrl = "https://api.postmarkapp.com"): EmailProvider {
  const headers = { "x-postmark-server-token": serverToken, accept: "application/json", "content-type": "application/json" };
  return {
    name: "postmark",
    maxBatch: POSTMARK_MAX_BATCH,
    async send(batch: Batch): Promise<BatchResult> {
      const body = batch.recipients.map((r) => ({
        From: formatMailbox(batch.from),
        To: r.name ? formatMailbox({ email: r.email, name: r.name }) : r.email,
        Subject: r.subject,
        HtmlBody: applySubstitutions(batch.html, r.substitutions),
        TextBody: applySubstitutions(batch.text, r.substitutions),
        Headers: Object.entries(r.headers).map(([Name, Value]) => ({ Name, Value })),
        ...(batch.replyTo ? { ReplyTo: formatMailbox(batch.replyTo) } : {}),
        Tag: batch.batchKey,
        Metadata: { delivery_id: r.deliveryId },
        MessageStream: "broadcast",
        TrackOpens: false,
        TrackLinks: "None",
      }));
      const response = await request(`${baseUrl}/email/batch`, { method: "POST", headers, body: JSON.stringify(body) });
      if (!response.ok) throw await refused(response, "Postmark");
      const results = (await response.json()) as { ErrorCode: number; Message: string; MessageID?: string }[];
      const out: BatchResult = { accepted: [], rejected: [] };
      batch.recipients.forEach((r, i) => {
        const result = results[i];
        if (result && result.ErrorCode === 0) out.accepted.push({ deliveryId: r.deliveryId, messageId: result.MessageID ?? null });
        else out.rejected.push({ deliveryId: r.deliveryId, error: `Postmark ${result?.ErrorCode ?? "?"}: ${result?.Message ?? "no answer for this message"}` });
      });
      return out;
    },
    async reconcile(batch: Batch): Promise<BatchResult | null> {
      const held = new Map<string, string>();
      for (let offset = 0; offset < 10_000; offset += 500) {
        const response = await request(`${baseUrl}/messages/outbound?count=500&offset=${offset}&tag=${encodeURIComponent(batch.batchKey)}`, { headers });
        if (!response.ok) throw await refused(response, "Postmark");
        const page = (await response.json()) as { TotalCount: number; Messages: { MessageID: string; Recipients: string[] }[] };
        for (const m of page.Messages) for (const to of m.Recipients) held.set(to.toLowerCase(), m.MessageID);
        if (offset + 500 >= page.TotalCount) break;
      }
      return {
        accepted: batch.recipients.filter((r) => held.has(r.email.toLowerCase())).map((r) => ({ deliveryId: r.deliveryId, messageId: held.get(r.email.toLowerCase()) ?? null })),
        rejected: [],
      };
    },
  };
}
