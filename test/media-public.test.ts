import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { publicMediaUrl } from "../lib/media/public-url";
import { ORIGIN } from "./support/client";
import { png } from "./support/files";

// Signed links through which a platform fetches a media file itself (Instagram, Threads, TikTok).
const bytes = png(40, 30);
const get = (url: string) => exports.default.fetch(new Request(url.replace("https://engine.test", ORIGIN)));

beforeAll(async () => {
  await env.DB.batch([
    env.DB.prepare("INSERT INTO workspaces (id, name) VALUES ('ws_pm', 'Public media'), ('ws_pm_other', 'Other')"),
    env.DB.prepare("INSERT INTO media (id, workspace_id, r2_key, filename, mime, kind, size, width, height) VALUES ('med_pm', 'ws_pm', 'ws/ws_pm/med_pm', 'chart.png', 'image/png', 'image', ?, 40, 30)").bind(bytes.byteLength),
  ]);
  await env.MEDIA.put("ws/ws_pm/med_pm", bytes);
});

describe("public media links", () => {
  it("serve the file, without a session, to whoever holds the link", async () => {
    const url = await publicMediaUrl(env.SESSION_SECRET, "https://engine.test/", { mediaId: "med_pm", workspaceId: "ws_pm" });
    expect(url).toMatch(/^https:\/\/engine\.test\/media\/public\/[\w-]+\.[\w-]+\.[\w-]+$/);
    const response = await get(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
  });

  it("answer a plain 404 to an altered, foreign-keyed, mis-scoped or expired link", async () => {
    const good = await publicMediaUrl(env.SESSION_SECRET, "https://engine.test", { mediaId: "med_pm", workspaceId: "ws_pm" });
    const [head, payload, signature] = good.split("/").pop()!.split(".") as [string, string, string];
    const altered = `https://engine.test/media/public/${head}.${payload}.${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;
    const otherKey = await publicMediaUrl("another-secret-another-secret-another-secret", "https://engine.test", { mediaId: "med_pm", workspaceId: "ws_pm" });
    const wrongWorkspace = await publicMediaUrl(env.SESSION_SECRET, "https://engine.test", { mediaId: "med_pm", workspaceId: "ws_pm_other" });
    const shortLived = await publicMediaUrl(env.SESSION_SECRET, "https://engine.test", { mediaId: "med_pm", workspaceId: "ws_pm" }, 1);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    for (const url of [altered, otherKey, wrongWorkspace, shortLived, "https://engine.test/media/public/not-a-token"]) {
      const response = await get(url);
      expect(response.status, url).toBe(404);
      expect(await response.text()).toBe("Not found");
    }
  });
});
