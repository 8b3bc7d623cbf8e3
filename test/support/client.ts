/**
 * A small browser stand-in for tests: it keeps cookies (the `__Host-` session and CSRF cookies),
 * sends the CSRF token the way the htmx page does, and calls the api Worker's real fetch handler.
 */
import { exports } from "cloudflare:workers";

export const ORIGIN = "https://engine.test";

type Options = { htmx?: boolean; headers?: Record<string, string>; csrf?: boolean };

export class Browser {
  readonly cookies = new Map<string, string>();

  async request(method: string, path: string, body?: Record<string, string>, options: Options = {}): Promise<Response> {
    if (method !== "GET" && !this.cookies.has("__Host-csrf")) await this.request("GET", "/login");
    const headers = new Headers(options.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    if (options.htmx) headers.set("hx-request", "true");
    if (method !== "GET") {
      if (options.csrf !== false && !headers.has("x-csrf-token")) headers.set("x-csrf-token", this.cookies.get("__Host-csrf") ?? "");
      if (!headers.has("sec-fetch-site")) headers.set("sec-fetch-site", "same-origin");
      headers.set("origin", headers.get("origin") ?? ORIGIN);
    }
    let payload: string | undefined;
    if (body) {
      headers.set("content-type", "application/x-www-form-urlencoded");
      payload = new URLSearchParams(body).toString();
    }
    const response = await exports.default.fetch(new Request(ORIGIN + path, { method, headers, body: payload, redirect: "manual" }));
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const [name, ...rest] = pair!.split("=");
      const value = rest.join("=");
      const expired = attributes.some((a) => /max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === "") this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value);
    }
    return response;
  }

  get(path: string, options?: Options) {
    return this.request("GET", path, undefined, options);
  }

  post(path: string, body: Record<string, string> = {}, options?: Options) {
    return this.request("POST", path, body, options);
  }
}

/** Where a mutation sent the browser: a 303 Location or htmx's HX-Redirect. */
export function destination(response: Response): string | null {
  const target = response.headers.get("hx-redirect") ?? response.headers.get("location");
  return target ? new URL(target, ORIGIN).pathname + new URL(target, ORIGIN).search : null;
}

let counter = 0;
export const uniqueEmail = (name = "user") => `${name}.${Date.now()}.${++counter}@example.com`;
export const PASSWORD = "correct horse battery";

export async function signUp(name = "Ada", email = uniqueEmail(name.toLowerCase())): Promise<Browser & { email: string }> {
  const browser = new Browser();
  const response = await browser.post("/signup", { name, email, password: PASSWORD });
  if (response.status !== 303) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  return Object.assign(browser, { email });
}

export async function createWorkspace(browser: Browser, name = "Acme"): Promise<string> {
  const response = await browser.post("/workspaces", { name });
  const target = destination(response);
  if (response.status !== 303 || !target) throw new Error(`workspace creation failed: ${response.status} ${await response.text()}`);
  return target.split("/")[2]!;
}

/** JSON request to /api/v1 with a bearer token. */
export function api(token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  return exports.default.fetch(new Request(`${ORIGIN}/api/v1${path}`, init));
}

/** Creates an API token through the UI (as a person would) and returns its secret. */
export async function createToken(browser: Browser, workspaceId: string, scope: "read" | "write", name = `${scope} token`): Promise<string> {
  const response = await browser.post(`/w/${workspaceId}/tokens`, { name, scope }, { htmx: true });
  const html = await response.text();
  const secret = html.match(/value="(cet_[A-Za-z0-9_-]+)"/)?.[1];
  if (!secret) throw new Error(`token creation failed: ${response.status} ${html}`);
  return secret;
}

/** Invites someone with `role` and has them accept; returns their user id. */
export async function addMember(owner: Browser, workspaceId: string, member: Browser, role: string): Promise<string> {
  const created = await owner.post(`/w/${workspaceId}/invites`, { role, email: "" }, { htmx: true });
  const html = await created.text();
  const links = [...html.matchAll(/value="https:\/\/engine\.test(\/invite\/[^"]+)"/g)].map((m) => m[1]!);
  const link = links[links.length - 1];
  if (!link) throw new Error(`invite failed: ${created.status} ${html}`);
  const accepted = await member.post(link);
  if (accepted.status !== 303) throw new Error(`accept failed: ${accepted.status} ${await accepted.text()}`);
  const me = await member.get(`/w/${workspaceId}/members`);
  const id = (await me.text()).match(/id="member-(usr_[a-z0-9]+)"><td>[^<]*\(you\)/)?.[1];
  if (!id) throw new Error("member id not found");
  return id;
}
