/**
 * One interface for every email provider. A batch is one provider request: a message whose parts
 * carry personalisation tags, and up to `maxBatch` recipients, each with their substitutions, their
 * own headers (List-Unsubscribe) and a delivery id the provider echoes back in events.
 */
import type { Mailbox } from "../mime";
import type { Substitutions } from "../personalise";

export type Recipient = {
  deliveryId: string;
  email: string;
  name: string | null;
  /** The subject with this recipient's values in. */
  subject: string;
  substitutions: Substitutions;
  headers: Record<string, string>;
};

export type Batch = {
  /** Unique per batch; providers that support it use it as the idempotency key or a searchable tag. */
  batchKey: string;
  from: Mailbox;
  replyTo: Mailbox | null;
  /** HTML with `{{tag}}`s; text with `{{t:tag}}`s (personalise.ts: textTemplate). */
  html: string;
  text: string;
  recipients: Recipient[];
};

export type BatchResult = {
  accepted: { deliveryId: string; messageId: string | null }[];
  rejected: { deliveryId: string; error: string }[];
};

/**
 * A failed request. `ambiguous` means the provider may have accepted it (no answer: a timeout or a
 * dropped connection), so the batch must be reconciled before anyone in it is mailed again.
 * `retryable` failures are tried again later; the others fail the batch with the provider's message.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
    readonly ambiguous: boolean,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface EmailProvider {
  readonly name: string;
  /** Recipients per request the provider accepts. */
  readonly maxBatch: number;
  send(batch: Batch): Promise<BatchResult>;
  /**
   * After a crash or a timeout mid-request: which recipients of this batch the provider holds. The
   * caller passes the same batch (same key, same recipients). null when the provider cannot tell.
   */
  reconcile(batch: Batch): Promise<BatchResult | null>;
}

export const PROVIDER_TIMEOUT_MS = 30_000;

/** fetch with a deadline; any failure to get an answer is an ambiguous ProviderError. */
export async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
  } catch (error) {
    throw new ProviderError(`No answer from ${new URL(url).host}: ${error instanceof Error ? error.message : String(error)}`, null, true, true);
  }
}

/** A non-2xx answer: the provider refused the whole request (nothing was sent). */
export async function refused(response: Response, provider: string): Promise<ProviderError> {
  const text = await response.text();
  let message = text.slice(0, 500);
  try {
    const body = JSON.parse(text) as { errors?: { message?: string; field?: string }[]; message?: string; Message?: string };
    message = body.errors?.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join("; ") || body.message || body.Message || message;
  } catch {
    // Not JSON: the text as it came.
  }
  const retryAfter = Number(response.headers.get("retry-after") ?? response.headers.get("x-ratelimit-reset") ?? NaN);
  const retryable = response.status === 429 || response.status >= 500;
  // A server error (or a gateway's 502/504) does not prove the provider did not take the request:
  // it is settled like no answer at all, by asking the provider before anyone is mailed again.
  const ambiguous = response.status >= 500;
  return new ProviderError(`${provider} ${response.status}: ${message}`, response.status, retryable, ambiguous, Number.isFinite(retryAfter) ? retryAfter : undefined);
}
