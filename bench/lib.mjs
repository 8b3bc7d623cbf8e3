// Shared pieces of the benchmarks: a signed-in session through the real forms, and a load runner.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../scripts/lib.mjs";

/** Signs up through the real forms and creates a workspace; `send` keeps the cookies. */
export async function session(baseUrl, name = "Bench") {
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
  await send("/signup", { name, email: `${name.toLowerCase()}.${Date.now()}@example.com`, password: "a long bench password" });
  const created = await send("/workspaces", { name });
  const workspace = created.headers.get("location");
  return { send, workspace, workspaceId: workspace.split("/")[2] };
}

/** Runs `request` from `clients` concurrent loops for `seconds`; latency percentiles and throughput. */
export async function load(request, { clients = 20, seconds = 10 } = {}) {
  const times = [];
  let failures = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const response = await request();
        await response.arrayBuffer();
        if (response.status >= 400) failures++;
        times.push(performance.now() - started);
      }
    }),
  );
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { requests: times.length, failures, rps: times.length / seconds, p50: at(0.5), p99: at(0.99) };
}

export function writeResult(name, result, markdown) {
  writeFileSync(join(root, "bench/results", `${name}.json`), JSON.stringify(result, null, 2) + "\n");
  writeFileSync(join(root, "bench/results", `${name}.md`), markdown);
}
