/**
 * A site that shows its article only after JavaScript runs, served on 127.0.0.1 for the scraper's
 * Browser Rendering tests (vitest global setup, in Node: the local Chromium behind the `BROWSER`
 * binding reaches it over real HTTP). The page's script also tries to reach a cloud-metadata and a
 * private address, which the renderer must refuse. Also sets up the local Chromium itself.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
// @ts-expect-error a plain .mjs script without types
import { setUpLocalBrowser } from "../../scripts/local-browser.mjs";
import { ARTICLE } from "./js-site-article";

const SHELL = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loading…</title>
<script src="http://10.1.2.3/track.js"></script></head>
<body><main id="app"><p>Loading…</p></main>
<script>
  fetch("http://169.254.169.254/latest/meta-data/").catch(() => {});
  fetch("/api/article.json").then((r) => r.json()).then((a) => {
    document.title = a.title;
    const article = document.createElement("article");
    article.innerHTML = "<h1></h1><p class=byline></p>";
    article.querySelector("h1").textContent = a.title;
    article.querySelector(".byline").textContent = "By " + a.byline;
    for (const text of a.paragraphs) {
      const p = document.createElement("p");
      p.textContent = text;
      article.appendChild(p);
    }
    document.getElementById("app").replaceChildren(article);
  });
</script></body></html>`;

export default async function setup(project: TestProject) {
  await setUpLocalBrowser();
  const server = createServer((request, response) => {
    switch (request.url) {
      case "/robots.txt":
        return response.writeHead(200, { "content-type": "text/plain" }).end("User-agent: *\nAllow: /\n");
      case "/app":
        return response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(SHELL);
      case "/api/article.json":
        return response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(ARTICLE));
      case "/to-private":
        return response.writeHead(302, { location: "http://10.0.0.5/admin" }).end();
      default:
        return response.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("jsSiteOrigin", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

declare module "vitest" {
  export interface ProvidedContext {
    jsSiteOrigin: string;
  }
}
