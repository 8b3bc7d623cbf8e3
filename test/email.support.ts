/**
 * Shared steps of the email tests: a workspace with email settings on a fake provider, and the
 * publisher's real `email` queue handler run over a message until its work is done (the api project
 * has no consumer for the queue, so the follow-up messages the handler sends are replayed here).
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import publisher from "../workers/publisher/index";
import { api } from "./support/client";

let keys = 0;
/** A provider key no other test uses, so each test reads only its own mail from the fake. */
export const uniqueKey = (provider: "sendgrid" | "resend" | "postmark") =>
  `${provider === "sendgrid" ? "SG." : provider === "resend" ? "re_" : "pm-"}${Date.now().toString(36)}${(++keys).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export async function configureEmail(token: string, workspaceId: string, provider: "sendgrid" | "resend" | "postmark" = "sendgrid", extra: Record<string, unknown> = {}) {
  const apiKey = uniqueKey(provider);
  const response = await api(token, "PUT", `/workspaces/${workspaceId}/email-settings`, {
    provider,
    apiKey,
    fromEmail: "news@acme.test",
    fromName: "Acme News",
    unsubscribeMailto: "unsubscribe@acme.test",
    postalAddress: "1 Main Street, Springfield",
    ratePerSecond: 10_000,
    ...extra,
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return apiKey;
}

const HOSTS = { sendgrid: "api.sendgrid.com", resend: "api.resend.com", postmark: "api.postmarkapp.com" } as const;

export async function mailbox<T = { to: string; subject: string; text: string; html: string; headers: Record<string, string>; customArgs?: Record<string, string> }>(provider: keyof typeof HOSTS, key: string): Promise<T[]> {
  return (await (await fetch(`https://${HOSTS[provider]}/__fake/messages?key=${encodeURIComponent(key)}`)).json()) as T[];
}

export async function fault(provider: "sendgrid" | "resend", key: string, body: Record<string, unknown>) {
  await fetch(`https://${HOSTS[provider]}/__fake/faults`, { method: "POST", body: JSON.stringify({ key, ...body }) });
}

export type EmailWork = { type: "email.import"; importId: string } | { type: "email.send"; sendId: string };

/** Replays the message until `done()` says the work is finished (at most `rounds` times). */
export async function drain(body: EmailWork, done: () => Promise<boolean>, rounds = 200) {
  for (let i = 0; i < rounds; i++) {
    const batch = createMessageBatch("email", [{ id: `m-${i}`, timestamp: new Date(), attempts: 1, body }]);
    const ctx = createExecutionContext();
    await publisher.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages, "the consumer failed a message").toEqual([]);
    if (await done()) return;
  }
  throw new Error("the email work did not finish");
}
