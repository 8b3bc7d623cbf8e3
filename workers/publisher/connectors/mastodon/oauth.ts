/**
 * Mastodon's OAuth 2.0, on whichever instance the person names: the app is registered there once
 * (POST /api/v1/apps, kept per instance by the api Worker), then the usual code flow with PKCE
 * (S256, supported since Mastodon 4.3) at the instance's /oauth/authorize and /oauth/token. Mastodon's
 * tokens do not expire and come without refresh tokens. The account: verify_credentials.
 */
import { tokenCredentials, type OAuthSpec } from "../oauth";
import { callPlatform, PlatformError } from "../types";
import { mastodonFailure } from "./errors";

export const APP_NAME = "Content Engine";
export const APP_WEBSITE = "https://github.com/content-engine/content-engine";

export const mastodonOAuth: OAuthSpec = {
  platform: "mastodon",
  authorizeUrl: "/oauth/authorize",
  tokenUrl: "/oauth/token",
  scopes: ["read:accounts", "read:statuses", "write:statuses", "write:media"],
  pkce: true,
  // Registered on each instance (`instance` below), so no operator secrets.
  clientIdVar: "",
  clientSecretVar: "",
  instance: {
    async register(origin, redirectUri, scopes) {
      const response = await callPlatform(
        "Mastodon",
        new Request(`${origin}/api/v1/apps`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ client_name: APP_NAME, redirect_uris: redirectUri, scopes: scopes.join(" "), website: APP_WEBSITE }),
        }),
        { sends: false },
      );
      if (!response.ok) throw await mastodonFailure(response, "registering this app");
      const app = (await response.json()) as { client_id?: string; client_secret?: string };
      if (!app.client_id || !app.client_secret) throw new PlatformError("rejected", "This instance registered the app without giving its client credentials: is it a Mastodon server?");
      return { clientId: app.client_id, clientSecret: app.client_secret };
    },
  },
  async accounts(tokens, context) {
    const origin = context?.serviceUrl;
    if (!origin) throw new PlatformError("rejected", "Mastodon needs the instance's address");
    const response = await callPlatform("Mastodon", new Request(`${origin}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${tokens.accessToken}` } }), { sends: false });
    if (!response.ok) throw await mastodonFailure(response, "reading the signed-in account");
    const me = (await response.json()) as { id: string; username: string; display_name?: string };
    return [{ externalId: me.id, handle: `@${me.username}@${new URL(origin).host}`, displayName: me.display_name || me.username, serviceUrl: origin, credentials: tokenCredentials(tokens), expiresAt: tokens.refreshToken ? tokens.refreshTokenExpiresAt : tokens.accessTokenExpiresAt }];
  },
};
