/**
 * The OAuth 2.0 connect flow, for every platform with an `OAuthSpec` (connectors/oauth-specs.ts):
 *
 * 1. start (a CSRF-checked POST from the accounts page): a random state and, where the platform
 *    takes PKCE, an S256 verifier. The flow is kept server-side in `oauth_flows`, keyed by the
 *    state's SHA-256 (the state itself is never stored), with the verifier sealed, bound to the
 *    person and workspace, for ten minutes. Then off to the platform's authorize page.
 * 2. callback (GET, from the platform): the state must be present, known, unused (it is consumed
 *    at once), unexpired and the same person's; then the code is exchanged through arctic, and the
 *    accounts the tokens can post as are read from the platform.
 * 3. one account is stored at once; several (a LinkedIn member and their pages) wait, sealed, for
 *    the person to choose on a pick page.
 *
 * Tokens only ever reach D1 sealed (`credentialsSeal`, the same as Bluesky's). Platforms whose
 * client id and secret the operator did not set are "not configured", never a broken button.
 * Per-instance platforms (Mastodon) register the app on the named instance once and keep it.
 */
import { generateCodeVerifier, generateState, OAuth2RequestError, ArcticFetchError, UnexpectedResponseError, UnexpectedErrorResponseBodyError } from "arctic";
import { and, eq, lt } from "drizzle-orm";
import { z } from "zod";
import { auditEntry } from "../../../lib/audit";
import { tokenKey } from "../../../lib/config/env";
import { toBase64Url } from "../../../lib/crypto/encoding";
import { seal, unseal } from "../../../lib/crypto/sealed";
import type { Db } from "../../../lib/db/client";
import { oauthApps, oauthFlows, socialAccounts } from "../../../lib/db/schema";
import { PLATFORM_NAMES, PLATFORMS, type Platform } from "../../../lib/domain/platforms";
import { can } from "../../../lib/domain/roles";
import { AppError, forbidden, notFound } from "../../../lib/http/errors";
import { allowsLoopback } from "../../../lib/http/loopback";
import { assertFetchable, FetchRefused, isLoopbackHost } from "../../../lib/http/safe-fetch";
import { parseInput } from "../../../lib/http/validate";
import { newId } from "../../../lib/ids";
import { accessExpiry, operatorClient, tokenClient, type ConnectableAccount, type InstanceApp, type OAuthSpec, type OAuthTokens } from "../../publisher/connectors/oauth";
import { OAUTH_SPECS } from "../../publisher/connectors/oauth-specs";
import { PlatformError } from "../../publisher/connectors/types";
import { credentialsSeal } from "../../publisher/publish";
import { memberAccess } from "../middleware/auth";
import type { SignedIn, WorkspaceAccess } from "../types";

/** How long a started connection may take, and how long a choice of accounts waits. */
export const FLOW_TTL_MS = 10 * 60_000;

const flowSeal = (env: Env, id: string) => ({ secret: tokenKey(env), purpose: "oauth-flow", rowId: id });
const appSeal = (env: Env, id: string) => ({ secret: tokenKey(env), purpose: "oauth-app", rowId: id });
const stateKey = async (state: string) => toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(state))));
const nameOf = (platform: string) => PLATFORM_NAMES[platform as Platform] ?? platform;

/** Each OAuth platform and whether it can be connected here: its operator secrets set, or registered per instance. */
export type OAuthPlatform = { platform: Platform; name: string; configured: boolean; perInstance: boolean; secrets: string[] };

export function oauthPlatforms(env: Env): OAuthPlatform[] {
  return PLATFORMS.flatMap((platform) => {
    const spec = OAUTH_SPECS[platform];
    if (!spec) return [];
    const perInstance = Boolean(spec.instance);
    return [{ platform, name: PLATFORM_NAMES[platform], perInstance, configured: perInstance || operatorClient(env, spec) !== null, secrets: perInstance ? [] : [spec.clientIdVar, spec.clientSecretVar] }];
  });
}

function specOf(platform: string): OAuthSpec {
  const spec = (PLATFORMS as readonly string[]).includes(platform) ? OAUTH_SPECS[platform as Platform] : undefined;
  if (!spec) throw notFound(`${platform} does not connect through OAuth here`);
  return spec;
}

export const redirectUriFor = (origin: string, platform: string) => `${origin}/oauth/callback/${platform}`;

export const instanceInput = z.object({
  instance: z
    .string({ error: "is required" })
    .trim()
    .min(1, "is required")
    .max(200, "is too long")
    // People type "mastodon.social" or "@me@mastodon.social"; the instance is the host either way.
    .transform((raw) => {
      const host = raw.includes("@") && !raw.includes("/") ? raw.split("@").pop()! : raw;
      return /^https?:\/\//i.test(host) ? host : `https://${host}`;
    })
    .pipe(z.url({ protocol: /^https?$/, error: "must be an instance address, for example mastodon.social" }))
    .transform((url) => new URL(url).origin),
});

/** The instance passes the same checks as any address a person types: https, and no private network. */
async function checkedInstance(env: Env, origin: string): Promise<string> {
  const allowLoopback = allowsLoopback(env);
  const url = new URL(origin);
  if (url.protocol === "http:" && !(allowLoopback && isLoopbackHost(url.hostname))) {
    throw new AppError(422, "invalid_request", "instance: must be an https address, for example https://mastodon.social", { instance: "must be an https address" });
  }
  try {
    await assertFetchable(origin, { allowLoopback });
  } catch (err) {
    if (err instanceof FetchRefused) throw new AppError(422, "invalid_request", `instance: ${err.message}`, { instance: err.message });
    throw err;
  }
  return origin;
}

/** The app on this instance for this callback address: registered the first time, then reused. */
async function instanceApp(env: Env, db: Db, spec: OAuthSpec, origin: string, redirectUri: string): Promise<InstanceApp> {
  const where = and(eq(oauthApps.platform, spec.platform), eq(oauthApps.origin, origin), eq(oauthApps.redirectUri, redirectUri));
  const known = await db.select().from(oauthApps).where(where).get();
  if (known) return { clientId: known.clientId, clientSecret: await unseal(appSeal(env, known.id), known.clientSecret) };
  const app = await platformCall(spec.platform, () => spec.instance!.register(origin, redirectUri, spec.scopes));
  const id = newId("oap");
  // Two first connections to one instance at once: the first row wins and both use it.
  await db
    .insert(oauthApps)
    .values({ id, platform: spec.platform, origin, redirectUri, clientId: app.clientId, clientSecret: await seal(appSeal(env, id), app.clientSecret) })
    .onConflictDoNothing();
  const stored = (await db.select().from(oauthApps).where(where).get())!;
  return stored.id === id ? app : { clientId: stored.clientId, clientSecret: await unseal(appSeal(env, stored.id), stored.clientSecret) };
}

/** A platform's failure during the flow as a 4xx with its words (never a 500). */
async function platformCall<T>(platform: string, call: () => Promise<T>): Promise<T> {
  const name = nameOf(platform);
  try {
    return await call();
  } catch (err) {
    if (err instanceof OAuth2RequestError) throw new AppError(422, "platform_refused", `${name} refused the sign-in: ${[err.code, err.description].filter(Boolean).join(": ")}`);
    if (err instanceof ArcticFetchError) throw new AppError(503, "platform_unavailable", `${name} could not be reached; try again in a moment.`);
    if (err instanceof UnexpectedResponseError || err instanceof UnexpectedErrorResponseBodyError) {
      throw err.status >= 500 ? new AppError(503, "platform_unavailable", `${name} failed (HTTP ${err.status}); try again in a moment.`) : new AppError(422, "platform_refused", `${name} refused the sign-in (HTTP ${err.status})`);
    }
    if (err instanceof PlatformError) {
      if (err.kind === "rate_limited") throw new AppError(429, "platform_rate_limited", err.message);
      throw new AppError(err.kind === "unavailable" || err.kind === "unknown" ? 503 : 422, err.kind === "unavailable" || err.kind === "unknown" ? "platform_unavailable" : "platform_refused", err.message);
    }
    throw err;
  }
}

type AuthorizeSecrets = { verifier: string | null; redirectUri: string; app?: InstanceApp };

/**
 * Starts a connection: returns the platform's authorize URL to send the browser to. `form` holds
 * the instance on per-instance platforms; `origin` is this site's, for the callback address.
 */
export async function startConnection(env: Env, db: Db, access: WorkspaceAccess, platform: string, form: Record<string, string>, origin: string, now = Date.now()): Promise<string> {
  if (!can(access.role, "accounts.manage")) throw forbidden();
  const spec = specOf(platform);
  const redirectUri = redirectUriFor(origin, spec.platform);
  let serviceUrl: string | null = null;
  let app: InstanceApp;
  let instanceSecrets: InstanceApp | undefined;
  if (spec.instance) {
    serviceUrl = await checkedInstance(env, parseInput(instanceInput, form).instance);
    app = instanceSecrets = await instanceApp(env, db, spec, serviceUrl, redirectUri);
  } else {
    const operator = operatorClient(env, spec);
    if (!operator) throw new AppError(409, "not_configured", `${nameOf(platform)} is not configured by the operator (${spec.clientIdVar} and ${spec.clientSecretVar} are not set).`);
    app = operator;
  }
  const state = generateState();
  const verifier = spec.pkce ? generateCodeVerifier() : null;
  const id = await stateKey(state);
  const secrets: AuthorizeSecrets = { verifier, redirectUri, ...(instanceSecrets ? { app: instanceSecrets } : {}) };
  await db.batch([
    // Flows nobody finished are of no use to anyone once expired.
    db.delete(oauthFlows).where(lt(oauthFlows.expiresAt, new Date(now))),
    db.insert(oauthFlows).values({
      id,
      workspaceId: access.workspace.id,
      userId: access.actor.userId,
      platform: spec.platform,
      stage: "authorize",
      serviceUrl,
      sealed: await seal(flowSeal(env, id), JSON.stringify(secrets)),
      expiresAt: new Date(now + FLOW_TTL_MS),
    }),
  ]);
  return tokenClient(spec, app, redirectUri, serviceUrl).authorizationUrl(state, verifier).href;
}

const callbackQuery = z.object({
  state: z.string().min(1).max(512).optional(),
  code: z.string().min(1).max(2048).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

/** The caller's role in a workspace, as the workspace middleware would find it; 404 for non-members. */
const accessTo = (db: Db, auth: SignedIn, workspaceId: string, ip: string | null): Promise<WorkspaceAccess> => memberAccess(db, auth.user.id, workspaceId, ip);

export type CallbackOutcome = { workspaceId: string; connected: string[]; pickId: string | null };

/** The platform sent the browser back: check the state, exchange the code, store or offer the accounts. */
export async function completeConnection(env: Env, db: Db, auth: SignedIn, ip: string | null, platform: string, rawQuery: Record<string, string>, now = Date.now()): Promise<CallbackOutcome> {
  const spec = specOf(platform);
  const query = callbackQuery.safeParse(rawQuery);
  if (!query.success) throw new AppError(400, "invalid_callback", "The sign-in came back malformed: start again from the Accounts page.");
  const { state, code, error } = query.data;
  if (!state) throw new AppError(400, "oauth_state_missing", "The sign-in came back without its state: start again from the Accounts page.");
  const id = await stateKey(state);
  // Consumed at once: a state works once, even when what follows fails.
  const [flow] = await db
    .delete(oauthFlows)
    .where(and(eq(oauthFlows.id, id), eq(oauthFlows.stage, "authorize"), eq(oauthFlows.platform, spec.platform)))
    .returning();
  if (!flow) throw new AppError(400, "oauth_state_unknown", "This sign-in is unknown or was already used: start again from the Accounts page.");
  if (flow.expiresAt.getTime() < now) throw new AppError(400, "oauth_state_expired", "This sign-in took too long and expired: start again from the Accounts page.");
  if (flow.userId !== auth.user.id) throw new AppError(403, "oauth_state_other_user", "This sign-in was started by someone else: start your own from the Accounts page.");
  const access = await accessTo(db, auth, flow.workspaceId, ip);
  if (!can(access.role, "accounts.manage")) throw forbidden();
  if (error) throw new AppError(422, "platform_refused", `${nameOf(platform)} did not grant access: ${query.data.error_description ?? error}`);
  if (!code) throw new AppError(400, "invalid_callback", "The sign-in came back without a code: start again from the Accounts page.");
  const secrets = JSON.parse(await unseal(flowSeal(env, flow.id), flow.sealed)) as AuthorizeSecrets;
  const app = secrets.app ?? operatorClient(env, spec);
  if (!app) throw new AppError(409, "not_configured", `${nameOf(platform)} is not configured by the operator.`);
  const client = tokenClient(spec, app, secrets.redirectUri, flow.serviceUrl);
  const tokens: OAuthTokens = await platformCall(platform, () => client.exchange(code, secrets.verifier));
  let accounts = await platformCall(platform, () => spec.accounts(tokens, { serviceUrl: flow.serviceUrl, app }));
  // A per-instance app's client goes with its accounts' credentials: the refresh needs it later.
  if (secrets.app) accounts = accounts.map((a) => ({ ...a, credentials: { ...a.credentials, clientId: secrets.app!.clientId, clientSecret: secrets.app!.clientSecret } }));
  if (accounts.length === 0) throw new AppError(422, "no_accounts", `${nameOf(platform)} gave no account these permissions can post as.`);
  if (accounts.length === 1) return { workspaceId: access.workspace.id, connected: await storeAccounts(env, db, access, spec.platform, accounts), pickId: null };
  const pickId = newId("ocf");
  await db.insert(oauthFlows).values({
    id: pickId,
    workspaceId: access.workspace.id,
    userId: auth.user.id,
    platform: spec.platform,
    stage: "pick",
    serviceUrl: flow.serviceUrl,
    sealed: await seal(flowSeal(env, pickId), JSON.stringify(accounts)),
    expiresAt: new Date(now + FLOW_TTL_MS),
  });
  return { workspaceId: access.workspace.id, connected: [], pickId };
}

async function pickFlow(db: Db, access: WorkspaceAccess, pickId: string, now: number) {
  if (!can(access.role, "accounts.manage")) throw forbidden();
  const flow = await db
    .select()
    .from(oauthFlows)
    .where(and(eq(oauthFlows.id, pickId), eq(oauthFlows.stage, "pick"), eq(oauthFlows.workspaceId, access.workspace.id), eq(oauthFlows.userId, access.actor.userId)))
    .get();
  if (!flow) throw notFound("This choice of accounts is unknown or was already made");
  if (flow.expiresAt.getTime() < now) throw new AppError(410, "oauth_flow_expired", "This choice of accounts expired: connect again from the Accounts page.");
  return flow;
}

export type Choice = { platform: string; accounts: { externalId: string; handle: string; displayName: string }[] };

/** The accounts offered after a callback, without their credentials. */
export async function pendingChoice(env: Env, db: Db, access: WorkspaceAccess, pickId: string, now = Date.now()): Promise<Choice> {
  const flow = await pickFlow(db, access, pickId, now);
  const accounts = JSON.parse(await unseal(flowSeal(env, flow.id), flow.sealed)) as ConnectableAccount[];
  return { platform: flow.platform, accounts: accounts.map(({ externalId, handle, displayName }) => ({ externalId, handle, displayName })) };
}

export const choiceInput = z.object({ account: z.array(z.string().min(1).max(200), { error: "choose at least one account" }).min(1, "choose at least one account").max(100) });

/** Stores the accounts the person chose; the offer is used up. */
export async function chooseAccounts(env: Env, db: Db, access: WorkspaceAccess, pickId: string, chosen: string[], now = Date.now()): Promise<string[]> {
  const flow = await pickFlow(db, access, pickId, now);
  const offered = (JSON.parse(await unseal(flowSeal(env, flow.id), flow.sealed)) as (Omit<ConnectableAccount, "expiresAt"> & { expiresAt: string | null })[]).map((a) => ({
    ...a,
    // Dates went through JSON while the offer waited.
    expiresAt: a.expiresAt ? new Date(a.expiresAt) : null,
  }));
  const picked = offered.filter((a) => chosen.includes(a.externalId));
  if (picked.length !== new Set(chosen).size) throw new AppError(422, "invalid_request", "account: choose among the accounts offered", { account: "choose among the accounts offered" });
  const stored = await storeAccounts(env, db, access, flow.platform as Platform, picked);
  await db.delete(oauthFlows).where(eq(oauthFlows.id, flow.id));
  return stored;
}

/** Connects (or reconnects) each account, credentials sealed under its own row id. */
async function storeAccounts(env: Env, db: Db, access: WorkspaceAccess, platform: Platform, accounts: ConnectableAccount[]): Promise<string[]> {
  const ids: string[] = [];
  for (const account of accounts) {
    const existing = await db
      .select({ id: socialAccounts.id })
      .from(socialAccounts)
      .where(and(eq(socialAccounts.workspaceId, access.workspace.id), eq(socialAccounts.platform, platform), eq(socialAccounts.externalId, account.externalId)))
      .get();
    const id = existing?.id ?? newId("acc");
    const values = {
      handle: account.handle,
      displayName: account.displayName,
      serviceUrl: account.serviceUrl,
      credentials: await seal(credentialsSeal(env, id), JSON.stringify(account.credentials)),
      tokenExpiresAt: account.expiresAt,
      accessExpiresAt: accessExpiry(account.credentials),
      accessIssuedAt: new Date(),
      status: "connected" as const,
      lastError: null,
    };
    await db.batch([
      db
        .insert(socialAccounts)
        .values({ id, workspaceId: access.workspace.id, platform, externalId: account.externalId, connectedBy: access.actor.userId, ...values })
        .onConflictDoUpdate({ target: socialAccounts.id, set: values }),
      auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: existing ? "account.reconnected" : "account.connected", targetType: "account", targetId: id, detail: { platform, handle: account.handle } }),
    ]);
    ids.push(id);
  }
  return ids;
}
