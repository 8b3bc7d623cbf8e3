// A signed-in session through the app's real forms (sign-up, CSRF token, cookies), for scripts that
// drive a running app over HTTP: the benchmarks and the demo's seeding.

/** Signs up through the real forms and creates a workspace; `send` keeps the cookies. */
export async function session(baseUrl, name = "Bench", { email = `${name.toLowerCase().replace(/\W+/g, ".")}.${Date.now()}@example.com`, password = "a long bench password", workspaceName = name } = {}) {
  const jar = new Map();
  const send = async (path, form, extraHeaders = {}) => {
    const headers = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "), origin: baseUrl, "sec-fetch-site": "same-origin", ...extraHeaders };
    if (form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers["x-csrf-token"] = jar.get("__Host-csrf");
    }
    const response = await fetch(baseUrl + path, { method: form ? "POST" : "GET", headers, body: form && new URLSearchParams(form), redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  };
  await send("/login");
  const signedUp = await send("/signup", { name, email, password });
  if (signedUp.status !== 303) throw new Error(`sign-up failed: ${signedUp.status} ${await signedUp.text()}`);
  const created = await send("/workspaces", { name: workspaceName });
  const workspace = created.headers.get("location");
  if (!workspace) throw new Error(`creating the workspace failed: ${created.status} ${await created.text()}`);
  return { send, workspace, workspaceId: workspace.split("/")[2], email, password };
}
