import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { database } from "../lib/db/client";
import { AppError } from "../lib/http/errors";
import { carriesFile } from "../workers/api/media/api";
import { assertMediaPublishable } from "../workers/api/media/service";
import { api, Browser, createToken, createWorkspace, ORIGIN, signUp } from "./support/client";
import { gif, html, jpeg, mp4, png, webp } from "./support/files";

let owner: Browser;
let ws: string;
let token: string;

type MediaJson = { id: string; mime: string; kind: string; size: number; width: number | null; height: number | null; altText: string };
type ErrorJson = { error: { code: string; message: string; fields?: Record<string, unknown> } };

beforeAll(async () => {
  owner = await signUp("Mia");
  ws = await createWorkspace(owner, "Media Co");
  token = await createToken(owner, ws, "write");
});

function upload(bytes: Uint8Array, filename: string, t = token, altText?: string) {
  const query = new URLSearchParams({ filename, ...(altText ? { altText } : {}) });
  return exports.default.fetch(
    new Request(`${ORIGIN}/api/v1/workspaces/${ws}/media?${query}`, { method: "POST", headers: { authorization: `Bearer ${t}`, "content-type": "application/octet-stream" }, body: bytes }),
  );
}

const MiB = 1024 * 1024;
const pdf = new TextEncoder().encode("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

type Upload = { mediaId: string; uploadId: string };
const startUpload = async () => (await (await api(token, "POST", `/workspaces/${ws}/media/uploads`)).json()) as Upload;
function putPart(upload: Upload, n: number | string, bytes: Uint8Array, query = `uploadId=${encodeURIComponent(upload.uploadId)}&filename=part.bin`) {
  return exports.default.fetch(
    new Request(`${ORIGIN}/api/v1/workspaces/${ws}/media/uploads/${upload.mediaId}/parts/${n}?${query}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: bytes,
    }),
  );
}
const complete = (upload: Upload, parts: unknown) => api(token, "POST", `/workspaces/${ws}/media/uploads/${upload.mediaId}/complete`, { uploadId: upload.uploadId, parts });
const errorOf = async (response: Response) => ((await response.json()) as ErrorJson).error;

/** The owner's session as request headers, for posting multipart forms as the page does. */
const session = (extra: Record<string, string> = {}) => ({
  cookie: [...owner.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
  "x-csrf-token": owner.cookies.get("__Host-csrf")!,
  "sec-fetch-site": "same-origin",
  origin: ORIGIN,
  ...extra,
});

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


describe("more uploads", () => {
  it("reads GIF and WebP dimensions, and none for video or PDF", async () => {
    expect(await (await upload(gif(16, 9), "anim.gif")).json()).toMatchObject({ mime: "image/gif", kind: "gif", width: 16, height: 9 });
    expect(await (await upload(webp(320, 240), "pic.webp")).json()).toMatchObject({ mime: "image/webp", kind: "image", width: 320, height: 240 });
    expect(await (await upload(pdf, "deck.pdf")).json()).toMatchObject({ mime: "application/pdf", kind: "pdf", width: null, height: null });
    expect(await (await upload(mp4(2000), "clip.png")).json()).toMatchObject({ mime: "video/mp4", kind: "video", width: null });
  });

  it("refuses a single request over 25 MB before reading it, pointing to the multipart upload", async () => {
    const response = await upload(mp4(26 * MiB), "long.mp4");
    expect(response.status).toBe(413);
    expect((await errorOf(response)).message).toContain("send larger files in parts");
  });

  it("answers bad input with a clear 4xx naming the problem", async () => {
    const noName = await exports.default.fetch(
      new Request(`${ORIGIN}/api/v1/workspaces/${ws}/media`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" }, body: png(2, 2) }),
    );
    expect(noName.status).toBe(422);
    expect(await errorOf(noName)).toMatchObject({ code: "invalid_request", fields: { filename: expect.any(String) } });
    const empty = await upload(new Uint8Array(0), "empty.png");
    expect(empty.status).toBe(422);
    expect((await errorOf(empty)).message).toContain("empty");
    expect((await upload(png(2, 2), "x".repeat(201))).status).toBe(422);
    const image = (await (await upload(png(2, 2), "dot.png")).json()) as MediaJson;
    const tooLong = await api(token, "PATCH", `/workspaces/${ws}/media/${image.id}`, { altText: "a".repeat(1001) });
    expect(tooLong.status).toBe(422);
    expect((await errorOf(tooLong)).message).toContain("at most 1,000 characters");
    expect((await api(token, "PATCH", `/workspaces/${ws}/media/${image.id}`, {})).status).toBe(422);
    expect((await api(token, "GET", `/workspaces/${ws}/media/med_nosuchthing`)).status).toBe(404);
    expect((await owner.post(`/w/${ws}/media/${image.id}/alt`, { altText: "a".repeat(1001) }, { htmx: true })).status).toBe(422);
    const noFile = await exports.default.fetch(new Request(`${ORIGIN}/w/${ws}/media`, { method: "POST", headers: session({ "hx-request": "true" }), body: new FormData() }));
    expect(noFile.status).toBe(422);
    expect(await noFile.text()).toContain("choose at least one file");
  });
});

describe("more serving", () => {
  it("serves the sniffed type, privately, with nosniff, whatever the file was called", async () => {
    const item = (await (await upload(png(3, 3), "looks-like.html")).json()) as MediaJson;
    const response = await file(item.id);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("cache-control")).toMatch(/^private/);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(png(3, 3));
    const viaUi = await owner.get(`/w/${ws}/media/${item.id}/file`, { headers: { range: "bytes=0-7" } });
    expect(viaUi.status).toBe(206);
    expect(new Uint8Array(await viaUi.arrayBuffer())).toEqual(png(3, 3).subarray(0, 8));
  });

  it("answers each kind of Range header as RFC 9110 asks", async () => {
    const video = (await (await upload(mp4(5000), "seek.mp4")).json()) as MediaJson;
    const cases: [string, number, string | null, number][] = [
      ["bytes=0-", 206, "bytes 0-4999/5000", 5000],
      ["bytes=4990-9999", 206, "bytes 4990-4999/5000", 10],
      ["bytes=-6000", 206, "bytes 0-4999/5000", 5000],
      // Several ranges, or another unit: ignored, the whole file is sent.
      ["bytes=0-1,4-5", 200, null, 5000],
      ["items=0-1", 200, null, 5000],
      ["bytes=-0", 416, "bytes */5000", 0],
      ["bytes=5000-", 416, "bytes */5000", 0],
      ["bytes=20-10", 416, "bytes */5000", 0],
    ];
    for (const [range, status, contentRange, length] of cases) {
      const response = await file(video.id, { range });
      expect(response.status, range).toBe(status);
      expect(response.headers.get("content-range"), range).toBe(contentRange);
      if (status === 416) {
        expect((await errorOf(response)).code).toBe("range_not_satisfiable");
        continue;
      }
      expect((await response.arrayBuffer()).byteLength, range).toBe(length);
    }
  });
});

describe("more multipart uploads", () => {
  it("reads an image's dimensions when its parts are joined", async () => {
    const upload = await startUpload();
    const p1 = (await (await putPart(upload, 1, png(640, 480, 5 * MiB))).json()) as { partNumber: number; etag: string };
    const p2 = (await (await putPart(upload, 2, new Uint8Array(100))).json()) as { partNumber: number; etag: string };
    const done = await complete(upload, [p1, p2]);
    expect(done.status).toBe(201);
    expect(await done.json()).toMatchObject({ mime: "image/png", width: 640, height: 480, altText: "" });
  });

  it("counts parts against the sniffed type's limit as they arrive, abandoning an upload that goes over", async () => {
    const upload = await startUpload();
    expect((await putPart(upload, 1, gif(10, 10, 5 * MiB))).status).toBe(200);
    const over = await putPart(upload, 2, new Uint8Array(11 * MiB));
    expect(over.status).toBe(413);
    expect((await errorOf(over)).message).toContain("15 MB limit for GIFs");
    expect(await env.DB.prepare("SELECT id FROM media WHERE id = ?").bind(upload.mediaId).first()).toBeNull();
    expect((await putPart(upload, 3, new Uint8Array(10))).status).toBe(404);
    expect((await complete(upload, [{ partNumber: 1, etag: "x" }])).status).toBe(404);
  });

  it("aborts an upload: its row goes, and it can be neither continued nor completed", async () => {
    const upload = await startUpload();
    const p1 = (await (await putPart(upload, 1, mp4(1000))).json()) as { partNumber: number; etag: string };
    expect(await env.DB.prepare("SELECT state FROM media WHERE id = ?").bind(upload.mediaId).first("state")).toBe("pending");
    const aborted = await api(token, "DELETE", `/workspaces/${ws}/media/uploads/${upload.mediaId}?uploadId=${encodeURIComponent(upload.uploadId)}`);
    expect(aborted.status).toBe(204);
    expect(await env.DB.prepare("SELECT id FROM media WHERE id = ?").bind(upload.mediaId).first()).toBeNull();
    expect((await putPart(upload, 1, mp4(1000))).status).toBe(404);
    expect((await complete(upload, [p1])).status).toBe(404);
    expect(await env.MEDIA.head(`ws/${ws}/${upload.mediaId}`)).toBeNull();
    const unknown = await api(token, "DELETE", `/workspaces/${ws}/media/uploads/${upload.mediaId}?uploadId=nonsense`);
    expect(unknown.status).toBe(404);
  });

  it("answers bad parts and completions with a clear 4xx", async () => {
    const upload = await startUpload();
    expect((await putPart(upload, 2, mp4(1000))).status).toBe(404);
    expect((await errorOf(await putPart(upload, 2, mp4(1000)))).message).toContain("send part 1 first");
    for (const n of [0, 10_001, "one"]) expect((await putPart(upload, n, mp4(1000))).status, `part ${n}`).toBe(422);
    const noUploadId = await putPart(upload, 1, mp4(1000), "filename=a.mp4");
    expect(noUploadId.status).toBe(422);
    expect((await errorOf(noUploadId)).fields).toHaveProperty("uploadId");
    expect((await putPart(upload, 1, new Uint8Array(0))).status).toBe(422);
    expect((await putPart({ ...upload, uploadId: "nonsense" }, 1, mp4(1000))).status).toBe(404);
    const p1 = (await (await putPart(upload, 1, mp4(1000))).json()) as { partNumber: number; etag: string };
    expect((await complete(upload, [])).status).toBe(422);
    expect((await complete(upload, [{ partNumber: 1 }])).status).toBe(422);
    const wrongTag = await complete(upload, [{ partNumber: 1, etag: "not-the-etag" }]);
    expect(wrongTag.status).toBe(422);
    expect((await errorOf(wrongTag)).message).toContain("could not be joined");
    expect((await complete(upload, [p1])).status).toBe(201);
    // Finished: it cannot be completed twice or take more parts.
    expect((await complete(upload, [p1])).status).toBe(404);
    expect((await putPart(upload, 1, mp4(1000))).status).toBe(404);
  });
});

describe("publishing rules", () => {
  it("assertMediaPublishable names each image and GIF of this workspace without alt text", async () => {
    const db = database(env.DB);
    const described = (await (await upload(png(2, 2), "described.png", token, "A dot")).json()) as MediaJson;
    const bare = (await (await upload(png(2, 2), "bare.png")).json()) as MediaJson;
    const bareGif = (await (await upload(gif(2, 2), "bare.gif")).json()) as MediaJson;
    const video = (await (await upload(mp4(500), "bare.mp4")).json()) as MediaJson;
    const spaces = (await (await upload(png(2, 2), "spaces.png", token)).json()) as MediaJson;
    await api(token, "PATCH", `/workspaces/${ws}/media/${spaces.id}`, { altText: "   " });
    await expect(assertMediaPublishable(db, ws, [])).resolves.toBeUndefined();
    await expect(assertMediaPublishable(db, ws, [described.id, video.id])).resolves.toBeUndefined();
    const refused = await assertMediaPublishable(db, ws, [described.id, bare.id, bareGif.id, video.id, spaces.id]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ status: 422, code: "alt_text_missing" });
    expect((refused as AppError).message).toBe("Add alt text to “bare.png”, “bare.gif”, “spaces.png” before publishing.");
    // Another workspace's id says nothing about this one's files.
    await expect(assertMediaPublishable(db, "ws_elsewhere", [bare.id])).resolves.toBeUndefined();
  });

  it("a file used by a variant (rows written directly) cannot be deleted, in the API or the UI, until it is free", async () => {
    const image = (await (await upload(png(2, 2), "attached.png", token, "Attached")).json()) as MediaJson;
    const now = Date.now();
    const userId = (await env.DB.prepare("SELECT uploaded_by FROM media WHERE id = ?").bind(image.id).first<string>("uploaded_by"))!;
    await env.DB.batch([
      env.DB.prepare("INSERT INTO content (id, workspace_id, kind, title, body, status, version, author_id, created_at, updated_at) VALUES ('cnt_direct', ?, 'post', 'Direct', '', 'draft', 1, ?, ?, ?)").bind(ws, userId, now, now),
      env.DB.prepare("INSERT INTO content_variants (id, workspace_id, content_id, platform, text) VALUES ('var_direct', ?, 'cnt_direct', 'x', 'hi')").bind(ws),
      env.DB.prepare("INSERT INTO variant_media (variant_id, media_id, workspace_id, position) VALUES ('var_direct', ?, ?, 0)").bind(image.id, ws),
    ]);
    const viaApi = await api(token, "DELETE", `/workspaces/${ws}/media/${image.id}`);
    expect(viaApi.status).toBe(409);
    expect(await errorOf(viaApi)).toMatchObject({ code: "media_in_use", message: expect.stringContaining("used by 1 content variant") });
    const viaUi = await owner.post(`/w/${ws}/media/${image.id}/delete`, {}, { htmx: true });
    expect(viaUi.status).toBe(409);
    expect(await viaUi.text()).toContain("remove it from them first");
    expect(await env.MEDIA.head(`ws/${ws}/${image.id}`)).not.toBeNull();
    expect(await (await owner.get(`/w/${ws}/media`)).text()).toContain("used by 1");
    await env.DB.prepare("DELETE FROM variant_media WHERE variant_id = 'var_direct'").run();
    expect((await api(token, "DELETE", `/workspaces/${ws}/media/${image.id}`)).status).toBe(204);
    expect(await env.MEDIA.head(`ws/${ws}/${image.id}`)).toBeNull();
  });
});

describe("the page", () => {
  it("escapes file names, offers an accessible drop zone, confirms deletion and loads nothing from elsewhere", async () => {
    await upload(png(2, 2), "<img src=x onerror=alert(1)>.png");
    const page = await (await owner.get(`/w/${ws}/media`)).text();
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;.png");
    expect(page).not.toContain("<img src=x onerror");
    expect(page).toMatch(/<label for="f-file">/);
    expect(page).toMatch(/<input id="f-file" type="file" name="file" multiple/);
    expect(page).toContain('aria-live="polite"');
    expect(page).toContain('<script src="/media.js" defer="">');
    expect(page).toMatch(/hx-confirm="Delete “&lt;img src=x onerror=alert\(1\)&gt;.png”\?/);
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("saving alt text through htmx returns the updated card", async () => {
    const image = (await (await upload(png(2, 2), "card.png")).json()) as MediaJson;
    expect(await (await owner.get(`/w/${ws}/media`)).text()).toMatch(new RegExp(`id="media-${image.id}"[\\s\\S]*?needs alt text`));
    const response = await owner.post(`/w/${ws}/media/${image.id}/alt`, { altText: "A tiny card" }, { htmx: true });
    expect(response.status).toBe(200);
    const card = await response.text();
    expect(card).toMatch(new RegExp(`^<figure class="media-card" id="media-${image.id}"`));
    expect(card).toContain('alt="A tiny card"');
    expect(card).not.toContain("needs alt text");
  });
});

describe("the file routes' exemption from the API's JSON rules", () => {
  it("covers only the single upload and the parts", () => {
    const base = "/api/v1/workspaces/ws_1/media";
    expect(carriesFile("POST", base)).toBe(true);
    expect(carriesFile("PUT", `${base}/uploads/med_1/parts/3`)).toBe(true);
    for (const [method, path] of [
      ["PUT", base],
      ["PATCH", `${base}/med_1`],
      ["POST", `${base}/uploads`],
      ["POST", `${base}/uploads/med_1/complete`],
      ["POST", `${base}/uploads/med_1/parts/3`],
      ["PUT", `${base}/uploads/med_1/parts/3/x`],
      ["POST", "/api/v1/workspaces/ws_1/content"],
      ["POST", `${base}/../content`],
    ] as const) {
      expect(carriesFile(method, path), `${method} ${path}`).toBe(false);
    }
  });

  it("JSON routes, the media library's own included, keep the 415 and the 1 MB limit", async () => {
    const image = (await (await upload(png(2, 2), "j.png")).json()) as MediaJson;
    const octets = { "content-type": "application/octet-stream" };
    expect((await api(token, "PATCH", `/workspaces/${ws}`, "name=x", octets)).status).toBe(415);
    expect((await api(token, "PATCH", `/workspaces/${ws}/media/${image.id}`, "altText=x", octets)).status).toBe(415);
    expect((await api(token, "POST", `/workspaces/${ws}/media/uploads`, "x", octets)).status).toBe(415);
    expect((await api(token, "POST", `/workspaces/${ws}/media/uploads/${image.id}/complete`, "x", { "content-type": "text/plain" })).status).toBe(415);
    const huge = await api(token, "PATCH", `/workspaces/${ws}/media/${image.id}`, { altText: "a".repeat(1024 * 1024 + 10) });
    expect(huge.status).toBe(413);
    expect((await errorOf(huge)).message).toContain("larger than 1 MB");
  });
});
