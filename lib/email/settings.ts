/** A workspace's email provider and sender, with the API key decrypted: shared by both Workers. */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { emailSettings, type EmailSettings } from "../db/schema";
import { emailProvider, type EmailProvider } from "./providers";
import { tokenKey } from "../config/env";
import { unsealProviderKey } from "./secrets";
import type { Sender } from "./outgoing";

export type Outbox = { provider: EmailProvider; sender: Sender; settings: EmailSettings };

/** Only set by local runs against the fake providers (see providers/index.ts). */
export const providerBaseUrl = (env: object) => (env as { EMAIL_API_BASE_URL?: string }).EMAIL_API_BASE_URL || undefined;

export async function outboxOf(db: Db, env: object, workspaceId: string): Promise<Outbox | null> {
  const settings = await db.select().from(emailSettings).where(eq(emailSettings.workspaceId, workspaceId)).get();
  if (!settings) return null;
  const apiKey = await unsealProviderKey(tokenKey(env), workspaceId, settings.apiKeyEncrypted);
  return {
    provider: emailProvider(settings.provider, apiKey, providerBaseUrl(env)),
    sender: {
      from: { email: settings.fromEmail, name: settings.fromName },
      replyTo: settings.replyTo ? { email: settings.replyTo } : null,
      unsubscribeMailto: settings.unsubscribeMailto,
      tracking: settings.trackingEnabled,
    },
    settings,
  };
}
