import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, api, Browser, createToken, createWorkspace, ORIGIN, signUp } from "./support/client";
import { gif, html, jpeg, mp4, png } from "./support/files";

let owner: Browser;
let ws: string;
let token: string;
let viewerToken: string;

type MediaJson = { id: string; mime: string; kind: string; size: number; width: number | null; height: number | null; altText: string };
type ErrorJson = { error: { code: string; message: string } };

beforeAll(async () => {
  owner = await signUp("Mia");
  ws = await createWorkspace(owner, "Media Co");
  token = await createToken(owner, ws, "write");
  const viewer = await signUp("Vic");
  const viewerId = await addMember(owner, ws, viewer, "admin");
  viewerToken = await createToken(viewer, ws, "write");
  await api(token, "PATCH", `/workspaces/${ws}/members/${viewerId}`, { role: "viewer" });
});

function upload(bytes: Uint8Array, filename: string, t = token, altText?: string) {
  const query = new URLSearchParams({ filename, ...(altText ? { altText } : {}) });
  return exports.default.fetch(
    new Request(`${ORIGIN}/api/v1/workspaces/${ws}/media?${query}`, { method: "POST", headers: { authorization: `Bearer ${t}`, "content-type": "application/octet-stream" }, body: bytes }),
  );
}

const file = (id: string, headers: Record<string, string> = {}) =>
  exports.default.fetch(new Request(`${ORIGIN}/api/v1/workspaces/${ws}/media/${id}/file`, { headers: { authorization: `Bearer ${token}`, ...headers } }));

describe("uploads", () => {
  it("stores an image with the type and dimensions read from its bytes, not its name", async () => {
    const response = await upload(png(1200, 630, 1000), "banner.jpg", token, "Our banner");
    expect(response.status).toBe(201);
    const item = (await response.json()) as MediaJson;
    expect(item).toMatchObject({ mime: "image/png", kind: "image", width: 1200, height: 630, altText: "Our banner" });
    const stored = await env.MEDIA.head(`ws/${ws}/${item.id}`);
    expect(stored?.httpMetadata?.contentType).toBe("image/png");
    const jpg = (await (await upload(jpeg(4032, 3024), "photo")).json()) as MediaJson;
    expect(jpg).toMatchObject({ mime: "image/jpeg", width: 4032, height: 3024 });
  });

  it("rejects an HTML file named .png, storing nothing", async () => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM media").first<{ n: number }>();
    const response = await upload(html, "cat.png");
    expect(response.status).toBe(415);
    expect(((await response.json()) as ErrorJson).error.message).toContain("“cat.png” is not an image");
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM media").first<{ n: number }>())!.n).toBe(before!.n);
    const objects = await env.MEDIA.list({ prefix: `ws/${ws}/` });
    const rows = await env.DB.prepare("SELECT r2_key FROM media WHERE workspace_id = ?").bind(ws).all<{ r2_key: string }>();
    expect(objects.objects.map((o) => o.key).sort()).toEqual(rows.results.map((r) => r.r2_key).sort());
  });

  it("applies the size limit of the sniffed type", async () => {
    const response = await upload(gif(10, 10, 16 * 1024 * 1024), "big.gif");
    expect(response.status).toBe(413);
    expect(((await response.json()) as ErrorJson).error.message).toContain("the limit for GIFs is 15 MB");
  });

  it("through the UI form as well, and refuses the same HTML there", async () => {
    const form = new FormData();
    form.append("file", new File([png(64, 64)], "logo.png"));
    const headers = { cookie: [...owner.cookies].map(([k, v]) => `${k}=${v}`).join("; "), "x-csrf-token": owner.cookies.get("__Host-csrf")!, "sec-fetch-site": "same-origin", origin: ORIGIN };
    const ok = await exports.default.fetch(new Request(`${ORIGIN}/w/${ws}/media`, { method: "POST", headers, body: form, redirect: "manual" }));
    expect(ok.status).toBe(303);
    const bad = new FormData();
    bad.append("file", new File([html], "evil.png"));
    const refused = await exports.default.fetch(new Request(`${ORIGIN}/w/${ws}/media`, { method: "POST", headers: { ...headers, "hx-request": "true" }, body: bad }));
    expect(refused.status).toBe(415);
    const page = await (await owner.get(`/w/${ws}/media`)).text();
    expect(page).toContain("logo.png");
    expect(page).not.toContain("evil.png");
  });
});

describe("serving", () => {
  it("serves members only, with Range for video (206) and 416 outside the file", async () => {
    const video = (await (await upload(mp4(100_000), "clip.mp4")).json()) as MediaJson;
    const whole = await file(video.id);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect((await whole.arrayBuffer()).byteLength).toBe(100_000);
    const part = await file(video.id, { range: "bytes=1000-1099" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 1000-1099/100000");
    const bytes = new Uint8Array(await part.arrayBuffer());
    expect(bytes).toEqual(mp4(100_000).subarray(1000, 1100));
    const tail = await file(video.id, { range: "bytes=-10" });
    expect(tail.headers.get("content-range")).toBe("bytes 99990-99999/100000");
    await tail.arrayBuffer();
    const outside = await file(video.id, { range: "bytes=200000-" });
    expect(outside.status).toBe(416);
    expect(outside.headers.get("content-range")).toBe("bytes */100000");
    const anonymous = await exports.default.fetch(new Request(`${ORIGIN}/w/${ws}/media/${video.id}/file`, { redirect: "manual" }));
    expect(anonymous.status).toBe(303);
  });
});

describe("multipart uploads", () => {
  it("joins parts into one video and refuses a first part that is not media", async () => {
    const start = (await (await api(token, "POST", `/workspaces/${ws}/media/uploads`)).json()) as { mediaId: string; uploadId: string };
    const put = (n: number, bytes: Uint8Array, uploadId = start.uploadId, mediaId = start.mediaId) =>
      exports.default.fetch(
        new Request(`${ORIGIN}/api/v1/workspaces/${ws}/media/uploads/${mediaId}/parts/${n}?uploadId=${encodeURIComponent(uploadId)}&filename=long.mp4`, {
          method: "PUT",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
          body: bytes,
        }),
      );
    const first = mp4(5 * 1024 * 1024);
    const p1 = (await (await put(1, first)).json()) as { partNumber: number; etag: string };
    const p2 = (await (await put(2, new Uint8Array(1234).fill(7))).json()) as { partNumber: number; etag: string };
    const listedBefore = (await (await api(token, "GET", `/workspaces/${ws}/media`)).json()) as { media: MediaJson[] };
    expect(listedBefore.media.map((m) => m.id)).not.toContain(start.mediaId);
    const done = await api(token, "POST", `/workspaces/${ws}/media/uploads/${start.mediaId}/complete`, { uploadId: start.uploadId, parts: [p1, p2] });
    expect(done.status).toBe(201);
    expect(await done.json()).toMatchObject({ id: start.mediaId, mime: "video/mp4", kind: "video", size: first.byteLength + 1234 });

    const other = (await (await api(token, "POST", `/workspaces/${ws}/media/uploads`)).json()) as { mediaId: string; uploadId: string };
    const refused = await put(1, html, other.uploadId, other.mediaId);
    expect(refused.status).toBe(415);
    expect(await env.DB.prepare("SELECT id FROM media WHERE id = ?").bind(other.mediaId).first()).toBeNull();
  });
});

describe("alt text and deletion", () => {
  it("an image without alt text blocks scheduling; deleting is refused while content uses it", async () => {
    await owner.post(`/w/${ws}/settings`, { name: "Media Co", allowSelfApproval: "on" });
    const image = (await (await upload(png(800, 800), "square.png")).json()) as MediaJson;
    const created = await api(token, "POST", `/workspaces/${ws}/content`, { kind: "post", title: "With picture", variants: [{ platform: "bluesky", text: "Look", mediaIds: [image.id] }] });
    const item = (await created.json()) as { id: string };
    for (const action of ["submit", "approve"]) expect((await api(token, "POST", `/workspaces/${ws}/content/${item.id}/transitions`, { action })).status).toBe(200);
    const when = `${new Date().getUTCFullYear() + 1}-01-15T10:00:00Z`;
    const blocked = await api(token, "POST", `/workspaces/${ws}/content/${item.id}/transitions`, { action: "schedule", scheduledAt: when });
    expect(blocked.status).toBe(422);
    expect(((await blocked.json()) as ErrorJson).error.message).toContain("Add alt text to “square.png”");
    expect((await api(token, "PATCH", `/workspaces/${ws}/media/${image.id}`, { altText: "A blue square" })).status).toBe(200);
    expect((await api(token, "POST", `/workspaces/${ws}/content/${item.id}/transitions`, { action: "schedule", scheduledAt: when })).status).toBe(200);

    const inUse = await api(token, "DELETE", `/workspaces/${ws}/media/${image.id}`);
    expect(inUse.status).toBe(409);
    expect(((await inUse.json()) as ErrorJson).error.message).toContain("used by 1 content variant");
    expect(await env.MEDIA.head(`ws/${ws}/${image.id}`)).not.toBeNull();

    const unused = (await (await upload(png(10, 10), "spare.png")).json()) as MediaJson;
    const removed = await owner.post(`/w/${ws}/media/${unused.id}/delete`, {}, { htmx: true });
    expect(removed.status).toBe(200);
    expect(await env.MEDIA.head(`ws/${ws}/${unused.id}`)).toBeNull();
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target_id = ? ORDER BY id").bind(unused.id).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["media.uploaded", "media.deleted"]);
  });
});

describe("access", () => {
  it("a viewer sees media but cannot upload, edit or delete; a read token cannot upload", async () => {
    const image = (await (await upload(png(5, 5), "v.png")).json()) as MediaJson;
    expect((await api(viewerToken, "GET", `/workspaces/${ws}/media`)).status).toBe(200);
    expect((await upload(png(5, 5), "x.png", viewerToken)).status).toBe(403);
    expect((await api(viewerToken, "PATCH", `/workspaces/${ws}/media/${image.id}`, { altText: "x" })).status).toBe(403);
    expect((await api(viewerToken, "DELETE", `/workspaces/${ws}/media/${image.id}`)).status).toBe(403);
    const read = await createToken(owner, ws, "read");
    expect((await upload(png(5, 5), "x.png", read)).status).toBe(403);
  });

  it("another workspace's member gets 404 for this media by id, in the UI and the API", async () => {
    const image = (await (await upload(png(5, 5), "private.png")).json()) as MediaJson;
    const other = await signUp("Otto");
    const otherWs = await createWorkspace(other, "Elsewhere");
    const otherToken = await createToken(other, otherWs, "write");
    const calls: [string, string, unknown?][] = [
      ["GET", `/workspaces/${otherWs}/media/${image.id}`],
      ["GET", `/workspaces/${otherWs}/media/${image.id}/file`],
      ["PATCH", `/workspaces/${otherWs}/media/${image.id}`, { altText: "mine" }],
      ["DELETE", `/workspaces/${otherWs}/media/${image.id}`],
      ["GET", `/workspaces/${ws}/media`],
    ];
    for (const [method, path, body] of calls) expect((await api(otherToken, method, path, body)).status, `${method} ${path}`).toBe(404);
    for (const path of [`/w/${otherWs}/media/${image.id}/file`, `/w/${ws}/media`, `/w/${ws}/media/${image.id}/file`]) {
      expect((await other.get(path)).status, path).toBe(404);
    }
    expect((await other.post(`/w/${otherWs}/media/${image.id}/delete`)).status).toBe(404);
    expect(await env.MEDIA.head(`ws/${ws}/${image.id}`)).not.toBeNull();
  });

  it("JSON routes keep the 415 and 1 MB rules; only file routes take bytes", async () => {
    const response = await api(token, "PATCH", `/workspaces/${ws}`, "name=x", { "content-type": "application/octet-stream" });
    expect(response.status).toBe(415);
  });
});
