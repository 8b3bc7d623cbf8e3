/**
 * How a double opt-in confirmation leaves. Through Cloudflare's `send_email` binding when the api
 * Worker has one named CONFIRMATION_EMAIL (Cloudflare Email Service; see the README), otherwise, or
 * when the binding refuses it, through the workspace's own provider like every other message. The
 * binding takes one raw MIME message (mime.ts) carrying the same headers a provider would get,
 * List-Unsubscribe included. The binding is optional, so it is not in the generated Env type.
 */
import { EmailMessage } from "cloudflare:email";
import { log } from "../log";
import { batchAsMime } from "./outgoing";
import type { Batch, EmailProvider } from "./providers/types";

export function confirmationBinding(env: object): SendEmail | null {
  const binding = (env as { CONFIRMATION_EMAIL?: Partial<SendEmail> }).CONFIRMATION_EMAIL;
  return typeof binding?.send === "function" ? (binding as SendEmail) : null;
}

/** Sends a one-recipient confirmation batch; answers which way it went. */
export async function sendConfirmation(env: object, provider: EmailProvider, batch: Batch): Promise<"send_email" | EmailProvider["name"]> {
  const binding = confirmationBinding(env);
  const recipient = batch.recipients[0];
  if (binding && recipient && batch.recipients.length === 1) {
    try {
      await binding.send(new EmailMessage(batch.from.email, recipient.email, batchAsMime(batch)[0]!));
      return "send_email";
    } catch (error) {
      // A sender domain not (yet) set up on Email Service, say: the provider still gets it out.
      log.warn("send_email_refused", { error });
    }
  }
  await provider.send(batch);
  return provider.name;
}
