/**
 * A workspace's email settings: the provider and its API key (encrypted at rest, never shown again),
 * the sender, the List-Unsubscribe mailbox, the postal address for the footer, the provider's rate,
 * SendGrid's webhook verification key, and whether opens and clicks are tracked (off by default).
 */
import { eq } from "drizzle-orm";
import { z } from "zod";
import { auditEntry } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { emailSettings, EMAIL_PROVIDERS, type EmailSettings } from "../../../lib/db/schema";
import { normalizeEmail } from "../../../lib/email/address";
import { tokenKey } from "../../../lib/config/env";
import { sealProviderKey } from "../../../lib/email/secrets";
import { AppError } from "../../../lib/http/errors";
import { parsePublicKey } from "../email-events/signature";
import type { WorkspaceAccess } from "../types";
import { allow } from "../subscribers/service";

const mailbox = (what: string) =>
  z
    .string({ error: "is required" })
    .trim()
    .refine((v) => normalizeEmail(v) !== null, `must be a valid email address${what}`);

const checkbox = z.union([z.boolean(), z.enum(["on", "off", "true", "false"]).transform((v) => v === "on" || v === "true")]);

export const settingsInput = z.object({
  provider: z.enum(EMAIL_PROVIDERS, { error: `must be one of ${EMAIL_PROVIDERS.join(", ")}` }),
  /** Empty keeps the saved key. */
  apiKey: z.string().trim().max(500, "must be at most 500 characters").optional().transform((v) => v || undefined),
  fromEmail: mailbox(""),
  fromName: z.string({ error: "is required" }).trim().min(1, "is required").max(100, "must be at most 100 characters"),
  replyTo: z.string().trim().optional().transform((v) => v || null).refine((v) => v === null || normalizeEmail(v) !== null, "must be a valid email address"),
  unsubscribeMailto: mailbox(" (it receives mailto unsubscribe requests)"),
  postalAddress: z.string().trim().max(300, "must be at most 300 characters").default(""),
  ratePerSecond: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(10_000, "must be at most 10,000"),
  webhookPublicKey: z
    .string()
    .trim()
    .optional()
    .transform((v) => v || null),
  trackingEnabled: checkbox.default(false),
});
export type SettingsInput = z.infer<typeof settingsInput>;

export type SettingsView = Omit<EmailSettings, "apiKeyEncrypted"> & { hasApiKey: true };

export async function getSettings(db: Db, access: WorkspaceAccess): Promise<SettingsView | null> {
  allow(access, "newsletters.view");
  const row = await db.select().from(emailSettings).where(eq(emailSettings.workspaceId, access.workspace.id)).get();
  if (!row) return null;
  const { apiKeyEncrypted: _secret, ...rest } = row;
  return { ...rest, hasApiKey: true };
}

export async function saveSettings(db: Db, env: Env, access: WorkspaceAccess, input: SettingsInput): Promise<SettingsView> {
  allow(access, "email.configure");
  if (input.webhookPublicKey && !(await parsePublicKey(input.webhookPublicKey))) {
    throw new AppError(422, "invalid_request", "webhookPublicKey: must be the verification key SendGrid shows (base64 of an ECDSA P-256 public key)", { webhookPublicKey: "must be the verification key SendGrid shows (base64 of an ECDSA P-256 public key)" });
  }
  const existing = await db.select({ key: emailSettings.apiKeyEncrypted, provider: emailSettings.provider }).from(emailSettings).where(eq(emailSettings.workspaceId, access.workspace.id)).get();
  if (!input.apiKey && (!existing || existing.provider !== input.provider)) {
    throw new AppError(422, "invalid_request", "apiKey: is required for this provider", { apiKey: "is required for this provider" });
  }
  const apiKeyEncrypted = input.apiKey ? await sealProviderKey(tokenKey(env), access.workspace.id, input.apiKey) : existing!.key;
  const values = {
    provider: input.provider,
    apiKeyEncrypted,
    fromEmail: input.fromEmail,
    fromName: input.fromName,
    replyTo: input.replyTo,
    unsubscribeMailto: input.unsubscribeMailto,
    postalAddress: input.postalAddress,
    ratePerSecond: input.ratePerSecond,
    webhookPublicKey: input.webhookPublicKey,
    trackingEnabled: input.trackingEnabled,
    updatedAt: new Date(),
  };
  await db.batch([
    db.insert(emailSettings).values({ workspaceId: access.workspace.id, ...values }).onConflictDoUpdate({ target: emailSettings.workspaceId, set: values }),
    auditEntry(db, access.actor, {
      workspaceId: access.workspace.id,
      action: "email.settings_saved",
      targetType: "workspace",
      targetId: access.workspace.id,
      detail: { provider: input.provider, keyChanged: !!input.apiKey, tracking: input.trackingEnabled },
    }),
  ]);
  return (await getSettings(db, access))!;
}
