/** The provider a workspace chose, with its decrypted key. */
import type { EmailProviderName } from "../../db/schema/email";
import { postmark } from "./postmark";
import { resend } from "./resend";
import { sendgrid } from "./sendgrid";
import type { EmailProvider } from "./types";

export * from "./types";

/**
 * `baseUrl` replaces the provider's API origin: only for local runs against the fake providers
 * (the EMAIL_API_BASE_URL variable of `wrangler dev`; never set in production).
 */
export function emailProvider(name: EmailProviderName, apiKey: string, baseUrl?: string): EmailProvider {
  switch (name) {
    case "sendgrid":
      return sendgrid(apiKey, baseUrl);
    case "resend":
      return resend(apiKey, baseUrl);
    case "postmark":
      return postmark(apiKey, baseUrl);
  }
}
