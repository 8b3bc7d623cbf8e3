/**
 * Instagram professional accounts connect with Facebook Login (Instagram API with Facebook Login):
 * the same Meta app and dialog as Facebook Pages, with Instagram's permissions. Every Page the person
 * manages that has an Instagram account linked gives one account, acting with the Page's token, taken
 * from a long-lived user token so that it does not expire (see facebook/oauth.ts).
 */
import { FACEBOOK_GRAPH } from "../facebook/graph";
import { FACEBOOK_AUTHORIZE_URL, FACEBOOK_TOKEN_URL, longLivedUserTokens, managedPages, pageTokenExpiry } from "../facebook/oauth";
import type { OAuthSpec } from "../oauth";

export const instagramOAuth: OAuthSpec = {
  platform: "instagram",
  authorizeUrl: FACEBOOK_AUTHORIZE_URL,
  tokenUrl: FACEBOOK_TOKEN_URL,
  // pages_* find the linked account; business_management reaches Pages owned through a Business portfolio.
  scopes: ["instagram_basic", "instagram_content_publish", "instagram_manage_insights", "pages_show_list", "pages_read_engagement", "business_management"],
  pkce: false,
  // Meta reads the app's id and secret from the token request's parameters, as its references show.
  clientAuth: "body",
  clientIdVar: "FACEBOOK_CLIENT_ID",
  clientSecretVar: "FACEBOOK_CLIENT_SECRET",
  async accounts(code, context) {
    const tokens = await longLivedUserTokens(code, context);
    return (await managedPages(tokens.accessToken)).flatMap((page) => {
      const ig = page.instagram_business_account;
      if (!ig) return [];
      return [{ externalId: ig.id, handle: ig.username, displayName: ig.name || ig.username, serviceUrl: FACEBOOK_GRAPH, credentials: { accessToken: page.access_token, pageId: page.id }, expiresAt: pageTokenExpiry(tokens) }];
    });
  },
};
