/**
 * YouTube connects with Google's OAuth 2.0 (with PKCE). Google gives a refresh token only when the
 * authorization URL asks for offline access (`access_type=offline`, and `prompt=consent` to get one
 * again on a reconnect); access tokens last an hour, so the refresh cron renews them.
 */
import { tokenCredentials, type OAuthSpec } from "../oauth";
import { googleFailure, GOOGLE_APIS } from ".";
import { callPlatform } from "../types";

export const youtubeOAuth: OAuthSpec = {
  platform: "youtube",
  authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
  tokenUrl: "https://oauth2.googleapis.com/token",
  // Upload videos, and read the channel (its uploads for `find`, statistics for metrics).
  scopes: ["https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.readonly"],
  pkce: true,
  clientIdVar: "GOOGLE_CLIENT_ID",
  clientSecretVar: "GOOGLE_CLIENT_SECRET",
  // Offline access for a refresh token; consent asked every time, as Google sends a refresh token
  // only on the first consent otherwise, and a reconnect would come back without one
  // (developers.google.com/identity/protocols/oauth2/web-server#offline).
  authorizeParams: { access_type: "offline", prompt: "consent" },
  /** The channels of the signed-in Google account (a brand account's channel is chosen on Google's consent screen). */
  async accounts(tokens) {
    const request = new Request(`${GOOGLE_APIS}/youtube/v3/channels?${new URLSearchParams({ part: "snippet", mine: "true" })}`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    const response = await callPlatform("YouTube", request, { sends: false });
    if (!response.ok) throw await googleFailure(response, "the channel list");
    const { items = [] } = (await response.json()) as { items?: { id: string; snippet: { title: string; customUrl?: string } }[] };
    return items.map((channel) => ({
      externalId: channel.id,
      handle: channel.snippet.customUrl ?? channel.snippet.title,
      displayName: channel.snippet.title,
      serviceUrl: GOOGLE_APIS,
      credentials: tokenCredentials(tokens),
      // A Google refresh token has no set expiry; without one, the access token's hour is all there is.
      expiresAt: tokens.refreshToken ? null : tokens.accessTokenExpiresAt,
    }));
  },
};
