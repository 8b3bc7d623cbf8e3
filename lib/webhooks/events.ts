/**
 * The events a workspace can subscribe an endpoint to. Payloads carry ids and the useful fields of
 * what happened, never secrets, and of a subscriber nothing beyond the address.
 */
export const WEBHOOK_EVENT_TYPES = [
  "content.approved",
  "publication.published",
  "publication.failed",
  "subscriber.added",
  "subscriber.unsubscribed",
  "send.finished",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent only by the "Send test" button, to the one endpoint tested, whatever it subscribes to. */
export const TEST_EVENT_TYPE = "webhook.test";

export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  "content.approved": "Content approved",
  "publication.published": "Publication published",
  "publication.failed": "Publication failed for good",
  "subscriber.added": "Subscriber added or confirmed",
  "subscriber.unsubscribed": "Subscriber unsubscribed",
  "send.finished": "Newsletter send finished",
};
