/**
 * What the OAuth 2.0 connect flow needs to know about a platform. Each OAuth platform's folder
 * exports one `OAuthSpec` (for example `connectors/x/oauth.ts`); the api Worker's connect flow
 * (authorize redirect with state and PKCE, callback, code exchange through arctic's OAuth2Client)
 * and the publisher's token-refresh cron drive every platform through this one shape.
 */
import type { Platform } from "../../../lib/domain/platforms";

/** Tokens as the token endpoint returned them. */
export type OAuthTokens = {
  accessToken: string;
  refreshToken: string | null;
  /** When the access token stops working; null when the platform does not say. */
  accessTokenExpiresAt: Date | null;
  /** When the refresh token stops working, where the platform says (LinkedIn, TikTok). */
  refreshTokenExpiresAt: Date | null;
  scopes: string[];
};

/**
 * One account the person may connect with these tokens. A LinkedIn member may also post as the
 * organisation pages they administer, a Facebook user as their Pages (each with its own page
 * token), an Instagram professional account through its linked Page: each is one account here.
 */
export type ConnectableAccount = {
  externalId: string;
  handle: string;
  displayName: string;
  /** The API origin the connector calls for this account (a Mastodon instance; the platform's API elsewhere). */
  serviceUrl: string;
  /** Stored sealed as the account's credentials; what the connector reads back in AccountSession. */
  credentials: Record<string, string>;
  /** When these credentials die unless refreshed (the refresh token's expiry if there is one). */
  expiresAt: Date | null;
};

export type OAuthSpec = {
  platform: Platform;
  authorizeUrl: string;
  tokenUrl: string;
  scopes: string[];
  /** Whether the platform takes PKCE (S256); when it does, it is always used. */
  pkce: boolean;
  /** Names of the operator's secrets holding the app's client id and secret (README's configuration table). */
  clientIdVar: string;
  clientSecretVar: string;
  /** The accounts these tokens can post as, read from the platform's API. */
  accounts(tokens: OAuthTokens): Promise<ConnectableAccount[]>;
};
