/**
 * What the OAuth 2.0 connect flow needs to know about a platform. Each OAuth platform's folder
 * exports one `OAuthSpec` (for example `connectors/x/oauth.ts`); the api Worker's connect flow
 * (authorize redirect with state and PKCE, callback, code exchange through arctic's OAuth2Client)
 * and the publisher's token-refresh cron drive every platform through this one shape.
 */
import { CodeChallengeMethod, OAuth2Client, type OAuth2Tokens } from "arctic";
import { createOAuth2Request, sendTokenRequest } from "arctic/dist/request.js";
import { z } from "zod";
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

/** An app's client credentials: the operator's, or the one registered on an instance (Mastodon's POST /api/v1/apps). */
export type InstanceApp = { clientId: string; clientSecret: string };

/**
 * Where the flow runs for this connection: the instance the person named, on per-instance
 * platforms; and the app's client, for platforms that trade the code's token for another (Meta's
 * long-lived tokens) before reading the accounts.
 */
export type OAuthContext = { serviceUrl: string | null; app?: InstanceApp };

export type OAuthSpec = {
  platform: Platform;
  /** Absolute URLs; on per-instance platforms (`instance` set), paths on the instance. */
  authorizeUrl: string;
  tokenUrl: string;
  scopes: string[];
  /** Whether the platform takes PKCE (S256); when it does, it is always used. */
  pkce: boolean;
  /** Names of the operator's secrets holding the app's client id and secret (README's configuration table). */
  clientIdVar: string;
  clientSecretVar: string;
  /**
   * How the token endpoint takes the client's credentials: HTTP Basic (RFC 6749's default, arctic's
   * OAuth2Client), or in the form body (LinkedIn, which does not accept Basic).
   */
  clientAuth?: "basic" | "body";
  /**
   * The name of the parameter carrying the client id, in the authorize URL and the token requests,
   * where a platform renames RFC 6749's `client_id`: TikTok's `client_key`
   * (developers.tiktok.com/doc/login-kit-web, /doc/oauth-user-access-token-management). Only with
   * `clientAuth: "body"`: HTTP Basic has no parameter names.
   */
  clientIdParam?: string;
  /** How the authorize URL joins the scopes: spaces (RFC 6749 3.3) unless the platform wants otherwise (TikTok: commas). */
  scopeSeparator?: string;
  /**
   * Parameters the authorize URL adds for this platform: Google gives a refresh token only with
   * `access_type=offline`, and again on a reconnect only with `prompt=consent`
   * (developers.google.com/identity/protocols/oauth2/web-server#offline).
   */
  authorizeParams?: Record<string, string>;
  /**
   * Platforms without refresh tokens whose long-lived access token renews itself before it dies
   * (Threads' `th_refresh_token`): the call that does it. The refresh cron calls it instead of the
   * refresh-token grant.
   */
  renewAccessToken?(accessToken: string): Promise<OAuthTokens>;
  /**
   * Platforms where every community runs its own server (Mastodon): the person names the instance,
   * the URLs above are paths on it, and the app is registered there once (kept per instance) instead
   * of coming from the operator's secrets.
   */
  instance?: { register(origin: string, redirectUri: string, scopes: string[]): Promise<InstanceApp> };
  /** The accounts these tokens can post as, read from the platform's API. */
  accounts(tokens: OAuthTokens, context?: OAuthContext): Promise<ConnectableAccount[]>;
};

/** The spec's endpoints for one connection: resolved against the instance on per-instance platforms. */
export function endpoints(spec: OAuthSpec, serviceUrl: string | null): { authorizeUrl: string; tokenUrl: string } {
  if (!spec.instance) return { authorizeUrl: spec.authorizeUrl, tokenUrl: spec.tokenUrl };
  if (!serviceUrl) throw new Error(`${spec.platform} needs the instance's address`);
  return { authorizeUrl: new URL(spec.authorizeUrl, serviceUrl).href, tokenUrl: new URL(spec.tokenUrl, serviceUrl).href };
}

const clientSecrets = z.record(z.string(), z.unknown());

/** The operator's client id and secret for this platform, or null when they are not set. */
export function operatorClient(env: object, spec: OAuthSpec): InstanceApp | null {
  const vars = clientSecrets.parse(env);
  const clientId = vars[spec.clientIdVar];
  const clientSecret = vars[spec.clientSecretVar];
  return typeof clientId === "string" && clientId && typeof clientSecret === "string" && clientSecret ? { clientId, clientSecret } : null;
}

/**
 * arctic's parsed fields, with the refresh token's lifetime where the platform gives one: LinkedIn
 * calls it `refresh_token_expires_in`, TikTok `refresh_expires_in`
 * (developers.tiktok.com/doc/oauth-user-access-token-management).
 */
export function tokensFrom(tokens: OAuth2Tokens, now = Date.now()): OAuthTokens {
  const data = tokens.data as Record<string, unknown>;
  const seconds = (...keys: string[]) => {
    const value = keys.map((key) => data[key]).find((v) => typeof v === "number");
    return typeof value === "number" ? new Date(now + value * 1000) : null;
  };
  return {
    accessToken: tokens.accessToken(),
    refreshToken: tokens.hasRefreshToken() ? tokens.refreshToken() : null,
    accessTokenExpiresAt: seconds("expires_in"),
    refreshTokenExpiresAt: seconds("refresh_token_expires_in", "refresh_expires_in"),
    // Space-separated by RFC 6749; TikTok answers with commas. No scope contains either.
    scopes: typeof data.scope === "string" ? data.scope.split(/[ ,]+/).filter(Boolean) : [],
  };
}

/**
 * The token-endpoint calls for one app: arctic's OAuth2Client (HTTP Basic) or, for platforms that
 * want the secret in the body, arctic's own request helpers with it there (as arctic's LinkedIn
 * client does, but against the spec's endpoint).
 */
export function tokenClient(spec: OAuthSpec, app: InstanceApp, redirectUri: string | null, serviceUrl: string | null) {
  const { authorizeUrl, tokenUrl } = endpoints(spec, serviceUrl);
  const client = new OAuth2Client(app.clientId, app.clientSecret, redirectUri);
  const clientIdParam = spec.clientIdParam ?? "client_id";
  const inBody = async (fields: Record<string, string>) => {
    const body = new URLSearchParams({ ...fields, [clientIdParam]: app.clientId, client_secret: app.clientSecret });
    return sendTokenRequest(createOAuth2Request(tokenUrl, body));
  };
  return {
    authorizationUrl(state: string, codeVerifier: string | null): URL {
      const url = codeVerifier ? client.createAuthorizationURLWithPKCE(authorizeUrl, state, CodeChallengeMethod.S256, codeVerifier, spec.scopes) : client.createAuthorizationURL(authorizeUrl, state, spec.scopes);
      // arctic writes RFC 6749's names; the spec's departures from them replace those.
      if (clientIdParam !== "client_id") {
        url.searchParams.delete("client_id");
        url.searchParams.set(clientIdParam, app.clientId);
      }
      if (spec.scopeSeparator && spec.scopes.length > 0) url.searchParams.set("scope", spec.scopes.join(spec.scopeSeparator));
      for (const [key, value] of Object.entries(spec.authorizeParams ?? {})) url.searchParams.set(key, value);
      return url;
    },
    async exchange(code: string, codeVerifier: string | null): Promise<OAuthTokens> {
      if (spec.clientAuth === "body") {
        return tokensFrom(await inBody({ grant_type: "authorization_code", code, ...(redirectUri ? { redirect_uri: redirectUri } : {}), ...(codeVerifier ? { code_verifier: codeVerifier } : {}) }));
      }
      return tokensFrom(await client.validateAuthorizationCode(tokenUrl, code, codeVerifier));
    },
    async refresh(refreshToken: string): Promise<OAuthTokens> {
      if (spec.clientAuth === "body") return tokensFrom(await inBody({ grant_type: "refresh_token", refresh_token: refreshToken }));
      return tokensFrom(await client.refreshAccessToken(tokenUrl, refreshToken, []));
    },
  };
}

/**
 * The credentials every OAuth account stores (sealed), as the connectors and the refresh cron read
 * them back. Per-instance apps keep their client there too, so a refresh needs nothing else.
 */
export function tokenCredentials(tokens: OAuthTokens, app?: InstanceApp): Record<string, string> {
  return {
    accessToken: tokens.accessToken,
    ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
    ...(tokens.accessTokenExpiresAt ? { accessTokenExpiresAt: tokens.accessTokenExpiresAt.toISOString() } : {}),
    ...(tokens.refreshTokenExpiresAt ? { refreshTokenExpiresAt: tokens.refreshTokenExpiresAt.toISOString() } : {}),
    ...(app ? { clientId: app.clientId, clientSecret: app.clientSecret } : {}),
  };
}

/** When the stored credentials' access token stops working, if they say. */
export const accessExpiry = (credentials: Record<string, string>): Date | null => (credentials.accessTokenExpiresAt ? new Date(credentials.accessTokenExpiresAt) : null);
