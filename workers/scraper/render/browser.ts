/**
 * Pages that only show their content after JavaScript runs ("needs JavaScript" sources) are read
 * through Browser Rendering (@cloudflare/puppeteer). The browser is held to the same rules as
 * safeFetch: every request it makes (the page, each redirect hop, scripts, XHR) is checked against
 * the private-address rules before it leaves, and refused ones are aborted and reported; the HTML it
 * produces is capped at the same size; one deadline covers the whole render. Images, fonts, media
 * and stylesheets are not loaded: extraction reads the DOM, and their URLs stay in the markup.
 */
import puppeteer, { type HTTPRequest } from "@cloudflare/puppeteer";
import { assertFetchable, DEFAULT_MAX_BYTES, FetchFailed, FetchRefused, USER_AGENT, type Resolver } from "../../../lib/http/safe-fetch";

export type RenderOptions = {
  resolve?: Resolver;
  /** Test-only, as in safeFetch: lets the browser reach fake servers on this machine. */
  allowLoopback?: boolean;
  timeoutMs?: number;
  maxBytes?: number;
};

export type RenderedPage = {
  /** Where the page ended up, after redirects. */
  url: string;
  status: number;
  /** The DOM after scripts ran, serialised. */
  html: string;
  /** Requests the page tried to make that the private-address rules refused. */
  refused: string[];
};

const SKIPPED_RESOURCES = new Set(["image", "media", "font", "stylesheet"]);
const RENDER_TIMEOUT_MS = 30_000;
/** After `load`, how long the network must be quiet before the DOM is read (late XHR renders). */
const NETWORK_IDLE_MS = 500;

export async function renderPage(browserBinding: Fetcher, url: string, options: RenderOptions = {}): Promise<RenderedPage> {
  // The page itself is checked first, so a refused source never starts a browser session.
  await assertFetchable(url, options);
  const timeout = options.timeoutMs ?? RENDER_TIMEOUT_MS;
  const refused: string[] = [];
  const browser = await puppeteer.launch(browserBinding);
  try {
    const page = await browser.newPage();
    await page.setUserAgent(USER_AGENT);
    await page.setRequestInterception(true);
    // The main document's own hops (redirects included) that were refused: the render fails with it.
    let refusedNavigation: string | null = null;
    page.on("request", (request) => {
      void screen(request, options).then((problem) => {
        if (!problem) return;
        refused.push(request.url());
        if (request.isNavigationRequest() && request.frame() === page.mainFrame()) refusedNavigation ??= problem;
      });
    });
    const response = await page.goto(url, { waitUntil: "load", timeout }).catch((err: unknown) => {
      if (refusedNavigation) throw new FetchRefused(refusedNavigation);
      throw new FetchFailed(`The browser could not load ${url}: ${err instanceof Error ? err.message : String(err)}`);
    });
    if (refusedNavigation) throw new FetchRefused(refusedNavigation);
    if (!response) throw new FetchFailed(`The browser got no response for ${url}`);
    await page.waitForNetworkIdle({ idleTime: NETWORK_IDLE_MS, timeout: Math.min(5_000, timeout) }).catch(() => undefined);
    const html = await page.content();
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (new TextEncoder().encode(html).byteLength > maxBytes) throw new FetchFailed(`The rendered page is over the ${maxBytes}-byte limit`);
    return { url: page.url(), status: response.status(), html, refused };
  } finally {
    await browser.close().catch(() => undefined);
  }
}

/** Lets the request go on, or aborts it; returns the refusal's message when the rules refused it. */
async function screen(request: HTTPRequest, options: RenderOptions): Promise<string | null> {
  const target = request.url();
  if (target.startsWith("data:")) {
    await request.continue();
    return null;
  }
  if (SKIPPED_RESOURCES.has(request.resourceType())) {
    await request.abort("blockedbyclient");
    return null;
  }
  try {
    await assertFetchable(target, options);
  } catch (err) {
    // A name that does not resolve is an ordinary failure; a refused address is reported.
    await request.abort(err instanceof FetchRefused ? "blockedbyclient" : "namenotresolved");
    return err instanceof FetchRefused ? err.message : null;
  }
  await request.continue();
  return null;
}
