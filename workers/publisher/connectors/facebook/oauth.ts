/**
 * Facebook Pages connect with Facebook Login (no PKCE at Meta). The person logs in as themselves;
 * each Page they manage becomes one account, holding that Page's own access token. A Page token
 * obtained from a long-lived user token does not expire, so `accounts` first trades the code's
 * short-lived user token (about 1 hour) for a long-lived one with the app's secret (the connect flow
 * passes the app in the context); Page tokens from a short-lived user token would die with it.
 */
import type { OAuthContext, OAuthSpec, OAuthTokens } from "../oauth";
import { callPlatform, PlatformError } from "../types";
import { FACEBOOK_GRAPH, FACEBOOK_GRAPH_VERSION, graph } from "./graph";

export const FACEBOOK_AUTHORIZE_URL = `https://www.facebook.com/${FACEBOOK_GRAPH_VERSION}/dialog/oauth`;
export const FACEBOOK_TOKEN_URL = `${FACEBOOK_GRAPH}/${FACEBOOK_GRAPH_VERSION}/oauth/access_token`;

export type ManagedPage = { id: string; name: string; access_token: string; instagram_business_account?: { id: string; username: string; name?: string } };

/** The Pages the user manages, each with its Page token and its linked Instagram account, if any. */
export async function managedPages(userToken: string): Promise<ManagedPage[]> {
  const target = { platform: "Facebook", base: `${FACEBOOK_GRAPH}/${FACEBOOK_GRAPH_VERSION}`, accessToken: userToken };
  const { data } = await graph<{ data: ManagedPage[] }>(target, "the list of Pages", "GET", "me/accounts", { fields: "id,name,access_token,instagram_business_account{id,username,name}", limit: "100" });
  return data;
}

const shortLived = (tokens: OAuthTokens) => tokens.accessTokenExpiresAt !== null && tokens.accessTokenExpiresAt.getTime() - Date.now() < 24 * 3600_000;

/** A Page token lives as long as the user token it came from when that is short-lived, and for good when it is long-lived. */
export const pageTokenExpiry = (tokens: OAuthTokens): Date | null => (shortLived(tokens) ? tokens.accessTokenExpiresAt : null);

/** The user's tokens, long-lived: traded with the app's id and secret when the code gave a short-lived token. */
export async function longLivedUserTokens(tokens: OAuthTokens, context?: OAuthContext): Promise<OAuthTokens> {
  if (!shortLived(tokens) || !context?.app) return tokens;
  const long = await longLivedFacebookToken(tokens.accessToken, context.app.clientId, context.app.clientSecret);
  return { ...tokens, accessToken: long.accessToken, accessTokenExpiresAt: long.expiresAt };
}

export const facebookOAuth: OAuthSpec = {
  platform: "facebook",
  authorizeUrl: FACEBOOK_AUTHORIZE_URL,
  tokenUrl: FACEBOOK_TOKEN_URL,
  scopes: ["pages_show_list", "pages_read_engagement", "pages_manage_posts", "read_insights"],
  pkce: false,
  // Meta reads the app's id and secret from the token request's parameters, as its references show.
  clientAuth: "body",
  clientIdVar: "FACEBOOK_CLIENT_ID",
  clientSecretVar: "FACEBOOK_CLIENT_SECRET",
  async accounts(code, context) {
    const tokens = await longLivedUserTokens(code, context);
    return (await managedPages(tokens.accessToken)).map((page) => ({
      externalId: page.id,
      handle: page.name,
      displayName: page.name,
      serviceUrl: FACEBOOK_GRAPH,
      credentials: { accessToken: page.access_token },
      expiresAt: pageTokenExpiry(tokens),
    }));
  },
};

/** The code's short-lived user token for a long-lived one (60 days), with the app's id and secret. */
export async function longLivedFacebookToken(shortLived: string, clientId: string, clientSecret: string): Promise<{ accessToken: string; expiresAt: Date | null }> {
  const url = new URL(FACEBOOK_TOKEN_URL);
  url.search = new URLSearchParams({ grant_type: "fb_exchange_token", client_id: clientId, client_secret: clientSecret, fb_exchange_token: shortLived }).toString();
  const response = await callPlatform("Facebook", new Request(url), { sends: false });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: { message?: string } };
  if (!response.ok || !body.access_token) throw new PlatformError(response.status >= 500 ? "unavailable" : "auth", `Facebook refused the long-lived token: ${body.error?.message ?? `HTTP ${response.status}`}`, { status: response.status });
  return { accessToken: body.access_token, expiresAt: body.expires_in ? new Date(Date.now() + body.expires_in * 1000) : null };
}
