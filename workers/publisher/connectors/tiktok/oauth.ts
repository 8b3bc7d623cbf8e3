/**
 * TikTok connects with Login Kit's OAuth 2.0 (v2) with PKCE. TikTok calls the client id `client_key`,
 * in the authorization URL and in the token request alike, and separates scopes with commas. Access
 * tokens last 2 hours and refresh tokens 180 days (`refresh_expires_in`), rotating on every refresh.
 */
import { tokenCredentials, type OAuthSpec } from "../oauth";
import { TIKTOK_API, tiktokCall } from "./api";

export const tiktokOAuth: OAuthSpec = {
  platform: "tiktok",
  authorizeUrl: "https://www.tiktok.com/v2/auth/authorize/",
  tokenUrl: `${TIKTOK_API}/v2/oauth/token/`,
  // Post (video.publish for Direct Post; video.upload for the uploads it needs), read the profile and the videos (find, metrics).
  scopes: ["user.info.basic", "video.publish", "video.upload", "video.list"],
  pkce: true,
  clientIdVar: "TIKTOK_CLIENT_KEY",
  clientSecretVar: "TIKTOK_CLIENT_SECRET",
  // The token endpoint takes client_key and client_secret in the form body
  // (developers.tiktok.com/doc/oauth-user-access-token-management), and the authorize URL the same
  // `client_key` and comma-separated scopes (developers.tiktok.com/doc/login-kit-web).
  clientAuth: "body",
  clientIdParam: "client_key",
  scopeSeparator: ",",
  async accounts(tokens) {
    const { user } = await tiktokCall<{ user: { open_id: string; username?: string; display_name?: string } }>(
      { serviceUrl: TIKTOK_API, credentials: { accessToken: tokens.accessToken } },
      "the profile",
      "/v2/user/info/?fields=open_id,union_id,avatar_url,display_name,username",
      undefined,
      { method: "GET" },
    );
    return [
      {
        externalId: user.open_id,
        handle: user.username ?? user.display_name ?? user.open_id,
        displayName: user.display_name ?? user.username ?? "TikTok",
        serviceUrl: TIKTOK_API,
        credentials: tokenCredentials(tokens),
        expiresAt: tokens.refreshTokenExpiresAt ?? tokens.accessTokenExpiresAt,
      },
    ];
  },
};
