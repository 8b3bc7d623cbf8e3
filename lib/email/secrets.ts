/**
 * Email provider API keys at rest: sealed like every credential (lib/crypto/sealed.ts) with
 * TOKEN_KEY under their own purpose, bound to the workspace whose settings row holds them.
 */
import { seal, unseal, type SealContext } from "../crypto/sealed";

const sealedFor = (secret: string, workspaceId: string): SealContext => ({ secret, purpose: "email-provider-key", rowId: workspaceId });

export const sealProviderKey = (secret: string, workspaceId: string, apiKey: string) => seal(sealedFor(secret, workspaceId), apiKey);

export const unsealProviderKey = (secret: string, workspaceId: string, stored: string) => unseal(sealedFor(secret, workspaceId), stored);
