/**
 * The OAuth 2.0 authorization server of the fake platforms (x.ts, linkedin.ts, mastodon.ts), as
 * RFC 6749 and RFC 7636 describe it and each platform runs it: the authorize endpoint consents at
 * once (as the person who is "signed in" to the fake, `subject`) and redirects back with a code and
 * the state; the token endpoint checks the client's credentials (HTTP Basic, or in the body where
 * the platform wants them there), the redirect URI, the code's single use and age, and the PKCE
 * verifier against the challenge; refresh tokens rotate where the platform rotates them.
 */
type Client = { secret: string; redirectUris?: string[] };
type Code = { clientId: string; redirectUri: string; challenge: string | null; scopes: string[]; subject: string; expiresAt: number };
type Grant = { clientId: string; subject: string; scopes: string[]; expiresAt: number | null };

export type OAuthServerOptions = {
  clientAuth: "basic" | "body" | "either";
  pkce: "required" | "optional" | "none";
  accessTtlSec: number | null;
  refreshTtlSec: number | null;
  /** Whether the platform hands out refresh tokens at all. */
  refresh: boolean;
  /** Whether each refresh hands out a new refresh token and retires the old one (X does). */
  rotate: boolean;
  /** Whether to say `refresh_token_expires_in` (LinkedIn does). */
  reportsRefreshExpiry: boolean;
};

const random = () => Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");

export class FakeOAuthServer {
  clients = new Map<string, Client>();
  codes = new Map<string, Code>();
  access = new Map<string, Grant>();
  refreshTokens = new Map<string, Grant>();
  /** Who is signed in to the fake platform's website, and so consents. */
  subject: string;
  /** The next N refresh requests fail with this OAuth error (`invalid_grant`), or a 503 when null. */
  tokenFaults: { error: string | null; count: number } = { error: null, count: 0 };
  now = () => Date.now();

  constructor(
    readonly options: OAuthServerOptions,
    defaultSubject: string,
  ) {
    this.subject = defaultSubject;
  }

  /**
   * The test controls every platform fake built on this server shares: POST /_fake/tokens
   * {error, count} fails the next refresh calls; POST /_fake/clock {advanceMs} moves the token clock.
   * Null for any other path.
   */
  async control(path: string, request: Request): Promise<Response | null> {
    if (path === "/_fake/tokens") {
      this.tokenFaults = (await request.json()) as FakeOAuthServer["tokenFaults"];
      return Response.json(this.tokenFaults);
    }
    if (path === "/_fake/clock") {
      const { advanceMs } = (await request.json()) as { advanceMs: number };
      const offset = this.now() - Date.now() + advanceMs;
      this.now = () => Date.now() + offset;
      return Response.json({ now: this.now() });
    }
    return null;
  }

  /** GET authorize: consent, then back to the client with a code (or an error the RFC names). */
  authorize(url: URL): Response {
    const p = url.searchParams;
    const clientId = p.get("client_id") ?? "";
    const client = this.clients.get(clientId);
    const redirectUri = p.get("redirect_uri") ?? "";
    // An unknown client or redirect must not be redirected to (RFC 6749 4.1.2.1): the page says so.
    if (!client) return new Response("Unknown client_id", { status: 400 });
    if (client.redirectUris && !client.redirectUris.includes(redirectUri)) return new Response("redirect_uri does not match the app's", { status: 400 });
    const back = new URL(redirectUri);
    const state = p.get("state");
    if (state) back.searchParams.set("state", state);
    const challenge = p.get("code_challenge");
    if (p.get("response_type") !== "code") back.searchParams.set("error", "unsupported_response_type");
    else if (this.options.pkce === "required" && (!challenge || p.get("code_challenge_method") !== "S256")) back.searchParams.set("error", "invalid_request");
    else {
      const code = random();
      this.codes.set(code, { clientId, redirectUri, challenge, scopes: (p.get("scope") ?? "").split(/[ +]/).filter(Boolean), subject: this.subject, expiresAt: this.now() + 30_000 });
      back.searchParams.set("code", code);
    }
    return new Response(null, { status: 302, headers: { location: back.href } });
  }

  private clientOf(request: Request, form: URLSearchParams): { id: string } | Response {
    const basic = request.headers.get("authorization")?.match(/^Basic (.+)$/)?.[1];
    let id: string | null = null;
    let secret: string | null = null;
    if (basic && this.options.clientAuth !== "body") [id, secret] = Buffer.from(basic, "base64").toString().split(":") as [string, string];
    else if (this.options.clientAuth !== "basic") [id, secret] = [form.get("client_id"), form.get("client_secret")];
    const client = id ? this.clients.get(id) : undefined;
    if (!client || client.secret !== secret) return oauthError(401, "invalid_client", "Client authentication failed");
    return { id: id! };
  }

  private async issue(clientId: string, subject: string, scopes: string[], refresh: string | null): Promise<Response> {
    const accessToken = random();
    const { accessTtlSec, refreshTtlSec } = this.options;
    this.access.set(accessToken, { clientId, subject, scopes, expiresAt: accessTtlSec ? this.now() + accessTtlSec * 1000 : null });
    let refreshToken = refresh;
    if (this.options.refresh && !refreshToken) {
      refreshToken = random();
      this.refreshTokens.set(refreshToken, { clientId, subject, scopes, expiresAt: refreshTtlSec ? this.now() + refreshTtlSec * 1000 : null });
    }
    const refreshGrant = refreshToken ? this.refreshTokens.get(refreshToken) : undefined;
    return Response.json({
      access_token: accessToken,
      token_type: "bearer",
      scope: scopes.join(" "),
      ...(accessTtlSec ? { expires_in: accessTtlSec } : {}),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(refreshGrant?.expiresAt && this.options.reportsRefreshExpiry ? { refresh_token_expires_in: Math.floor((refreshGrant.expiresAt - this.now()) / 1000) } : {}),
      created_at: Math.floor(this.now() / 1000),
    });
  }

  /** POST token: the authorization_code and refresh_token grants. */
  async token(request: Request): Promise<Response> {
    const form = new URLSearchParams(await request.text());
    if (this.tokenFaults.count > 0 && form.get("grant_type") === "refresh_token") {
      this.tokenFaults.count--;
      if (this.tokenFaults.error) return oauthError(400, this.tokenFaults.error, "The refresh token is invalid or was revoked");
      return new Response("Service Unavailable", { status: 503 });
    }
    const client = this.clientOf(request, form);
    if (client instanceof Response) return client;
    if (form.get("grant_type") === "authorization_code") {
      const code = this.codes.get(form.get("code") ?? "");
      // A code works once (RFC 6749 4.1.2).
      this.codes.delete(form.get("code") ?? "");
      if (!code || code.clientId !== client.id || code.expiresAt < this.now()) return oauthError(400, "invalid_grant", "The authorization code is invalid or expired");
      if (code.redirectUri !== form.get("redirect_uri")) return oauthError(400, "invalid_grant", "redirect_uri does not match the authorization request");
      if (code.challenge) {
        const verifier = form.get("code_verifier") ?? "";
        const digest = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))).toString("base64url");
        if (digest !== code.challenge) return oauthError(400, "invalid_grant", "The code_verifier does not match the code_challenge");
      } else if (this.options.pkce === "required") return oauthError(400, "invalid_request", "code_verifier required");
      return this.issue(client.id, code.subject, code.scopes, null);
    }
    if (form.get("grant_type") === "refresh_token") {
      const token = form.get("refresh_token") ?? "";
      const grant = this.refreshTokens.get(token);
      if (!grant || grant.clientId !== client.id || (grant.expiresAt !== null && grant.expiresAt < this.now())) return oauthError(400, "invalid_grant", "The refresh token is invalid or expired");
      if (this.options.rotate) this.refreshTokens.delete(token);
      return this.issue(client.id, grant.subject, grant.scopes, this.options.rotate ? null : token);
    }
    return oauthError(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
  }

  /** The subject and scopes of a bearer access token, or null for a missing, unknown or expired one. */
  bearer(request: Request): Grant | null {
    const token = request.headers.get("authorization")?.match(/^Bearer (.+)$/)?.[1];
    const grant = token ? this.access.get(token) : undefined;
    if (!grant || (grant.expiresAt !== null && grant.expiresAt <= this.now())) return null;
    return grant;
  }

  /** Ends every token of a subject (the person revoked the app). */
  revoke(subject: string) {
    for (const map of [this.access, this.refreshTokens]) for (const [token, grant] of map) if (grant.subject === subject) map.delete(token);
  }
}

export function oauthError(status: number, error: string, description: string): Response {
  return Response.json({ error, error_description: description }, { status });
}

/** The faults every fake platform takes (POST /_fake/faults), as the Bluesky fake has them. */
export type Faults = { status5xx: number; rateLimited: number; acceptThenDrop: number; slowMs: number };
export const noFaults = (): Faults => ({ status5xx: 0, rateLimited: 0, acceptThenDrop: 0, slowMs: 0 });

/** A response that never comes: the request was applied, the client's deadline ends the wait. */
export const dropped = () => new Promise<Response>(() => undefined);
