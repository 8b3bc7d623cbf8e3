/**
 * Threads connects with Threads' own OAuth (a Threads app, separate from a Facebook app). Threads
 * takes no PKCE. The code gives a short-lived token (1 hour); `accounts` trades it for a 60-day one
 * with the app's secret (the connect flow passes the app in the context), which `refreshThreadsToken`
 * renews: Threads has no refresh token, the long-lived token renews itself.
 */
import { callPlatform, PlatformError } from "../types";
import { graph } from "../facebook/graph";
import { tokenCredentials, type OAuthSpec } from "../oauth";
import { THREADS_GRAPH, threadsApi } from ".";

export const threadsOAuth: OAuthSpec = {
  platform: "threads",
  authorizeUrl: "https://threads.net/oauth/authorize",
  tokenUrl: `${THREADS_GRAPH}/oauth/access_token`,
  // threads_read_replies: a thread's later posts are replies, found again after a lost answer through /replies.
  scopes: ["threads_basic", "threads_content_publish", "threads_manage_insights", "threads_read_replies"],
  pkce: false,
  // Meta reads the app's id and secret from the token request's parameters, as its references show.
  clientAuth: "body",
  clientIdVar: "THREADS_CLIENT_ID",
  clientSecretVar: "THREADS_CLIENT_SECRET",
  /**
   * Threads has no refresh token: the 60-day token is renewed with itself (`th_refresh_token`,
   * developers.facebook.com/docs/threads/get-started/long-lived-tokens), which the refresh cron
   * does before it dies.
   */
  async renewAccessToken(accessToken) {
    const renewed = await refreshThreadsToken(accessToken);
    return { accessToken: renewed.accessToken, refreshToken: null, accessTokenExpiresAt: renewed.expiresAt, refreshTokenExpiresAt: null, scopes: [] };
  },
  /** The one Threads profile the token belongs to. */
  async accounts(code, context) {
    let tokens = code;
    if (context?.app) {
      const long = await longLivedThreadsToken(code.accessToken, context.app.clientSecret);
      tokens = { ...code, accessToken: long.accessToken, accessTokenExpiresAt: long.expiresAt };
    }
    const me = await graph<{ id: string; username: string; name?: string }>(threadsApi({ serviceUrl: THREADS_GRAPH, credentials: { accessToken: tokens.accessToken } }), "the profile", "GET", "me", {
      fields: "id,username,name",
    });
    return [{ externalId: me.id, handle: me.username, displayName: me.name || me.username, serviceUrl: THREADS_GRAPH, credentials: tokenCredentials(tokens), expiresAt: tokens.accessTokenExpiresAt }];
  },
};

type TokenAnswer = { access_token: string; expires_in: number };

async function tokenCall(url: URL, what: string): Promise<{ accessToken: string; expiresAt: Date }> {
  const response = await callPlatform("Threads", new Request(url), { sends: false });
  const body = (await response.json().catch(() => ({}))) as Partial<TokenAnswer> & { error?: { message?: string } };
  if (!response.ok || !body.access_token) throw new PlatformError(response.status >= 500 ? "unavailable" : "auth", `Threads refused ${what}: ${body.error?.message ?? `HTTP ${response.status}`}`, { status: response.status });
  return { accessToken: body.access_token, expiresAt: new Date(Date.now() + (body.expires_in ?? 0) * 1000) };
}

/** The short-lived token from the code exchange, for a long-lived one (60 days); the connect flow calls this before `accounts`. */
export function longLivedThreadsToken(shortLived: string, clientSecret: string) {
  const url = new URL(`${THREADS_GRAPH}/access_token`);
  url.search = new URLSearchParams({ grant_type: "th_exchange_token", client_secret: clientSecret, access_token: shortLived }).toString();
  return tokenCall(url, "the long-lived token");
}

/** A long-lived token at least a day old and not yet expired, renewed for another 60 days (the refresh cron's call). */
export function refreshThreadsToken(longLived: string) {
  const url = new URL(`${THREADS_GRAPH}/refresh_access_token`);
  url.search = new URLSearchParams({ grant_type: "th_refresh_token", access_token: longLived }).toString();
  return tokenCall(url, "to renew the token");
}
