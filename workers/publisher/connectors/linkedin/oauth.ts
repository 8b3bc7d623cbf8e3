/**
 * LinkedIn's OAuth 2.0 (3-legged, no PKCE for web apps; the client secret goes in the form body, as
 * LinkedIn does not take HTTP Basic). Access tokens live 60 days; apps LinkedIn enabled for it also
 * get refresh tokens (365 days, `refresh_token_expires_in`). The accounts: the member
 * (OpenID Connect userinfo) and every organisation page they administer (organizationAcls).
 */
import { tokenCredentials, type ConnectableAccount, type OAuthSpec } from "../oauth";
import { PlatformError } from "../types";
import { LINKEDIN_API, linkedInGet } from "./api";

type UserInfo = { sub: string; name?: string; given_name?: string; family_name?: string };
type Acls = { elements: { organization: string; role: string; state: string }[] };
type Organization = { id: number; localizedName?: string; vanityName?: string };

export const linkedInOAuth: OAuthSpec = {
  platform: "linkedin",
  authorizeUrl: "https://www.linkedin.com/oauth/v2/authorization",
  tokenUrl: "https://www.linkedin.com/oauth/v2/accessToken",
  scopes: ["openid", "profile", "w_member_social", "r_organization_admin", "w_organization_social", "r_organization_social"],
  pkce: false,
  clientAuth: "body",
  clientIdVar: "LINKEDIN_CLIENT_ID",
  clientSecretVar: "LINKEDIN_CLIENT_SECRET",
  async accounts(tokens) {
    const credentials = tokenCredentials(tokens);
    const expiresAt = tokens.refreshToken ? tokens.refreshTokenExpiresAt : tokens.accessTokenExpiresAt;
    const me = await linkedInGet<UserInfo>(tokens.accessToken, "/v2/userinfo", "reading the signed-in member");
    const name = me.name ?? ([me.given_name, me.family_name].filter(Boolean).join(" ") || me.sub);
    const accounts: ConnectableAccount[] = [{ externalId: `urn:li:person:${me.sub}`, handle: name, displayName: name, serviceUrl: LINKEDIN_API, credentials, expiresAt }];
    // Pages the member administers; a member without any (or an app without the organisation
    // permissions) simply has none.
    const acls = await linkedInGet<Acls>(tokens.accessToken, "/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED&count=100", "listing the pages this member administers").catch((err: unknown) => {
      if (err instanceof PlatformError && err.kind === "rejected") return { elements: [] };
      throw err;
    });
    for (const acl of acls.elements) {
      const id = acl.organization.split(":").pop()!;
      const org = await linkedInGet<Organization>(tokens.accessToken, `/rest/organizations/${encodeURIComponent(id)}`, "reading a page's name");
      const title = org.localizedName ?? org.vanityName ?? acl.organization;
      accounts.push({ externalId: acl.organization, handle: org.vanityName ?? title, displayName: title, serviceUrl: LINKEDIN_API, credentials, expiresAt });
    }
    return accounts;
  },
};
