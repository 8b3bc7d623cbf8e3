/**
 * X's OAuth 2.0 (Authorization Code with PKCE, confidential client: the secret goes in HTTP Basic).
 * `offline.access` brings a refresh token; access tokens live two hours, so the refresh cron keeps
 * them fresh. The account is the user the tokens belong to (GET /2/users/me).
 */
import type { OAuthSpec } from "../oauth";
import { tokenCredentials } from "../oauth";
import { callPlatform } from "../types";
import { X_API, xFailure } from "./errors";

export const xOAuth: OAuthSpec = {
  platform: "x",
  authorizeUrl: "https://x.com/i/oauth2/authorize",
  tokenUrl: "https://api.x.com/2/oauth2/token",
  scopes: ["tweet.read", "tweet.write", "users.read", "offline.access", "media.write"],
  pkce: true,
  clientIdVar: "X_CLIENT_ID",
  clientSecretVar: "X_CLIENT_SECRET",
  async accounts(tokens) {
    const response = await callPlatform("X", new Request(`${X_API}/2/users/me`, { headers: { authorization: `Bearer ${tokens.accessToken}` } }), { sends: false });
    if (!response.ok) throw await xFailure(response, "reading the signed-in user");
    const { data } = (await response.json()) as { data: { id: string; name: string; username: string } };
    return [{ externalId: data.id, handle: data.username, displayName: data.name, serviceUrl: X_API, credentials: tokenCredentials(tokens), expiresAt: tokens.refreshToken ? tokens.refreshTokenExpiresAt : tokens.accessTokenExpiresAt }];
  },
};
