/**
 * The media library's routes against the role table and across workspaces: every role on every
 * route in the UI and the API (expectations written out by hand, as in roles.test.ts), read-scoped
 * tokens on every write route, and a member of another workspace getting 404 for every route by id.
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, api, Browser, createToken, createWorkspace, ORIGIN, signUp } from "./support/client";
import { mp4, png } from "./support/files";

type Role = "owner" | "admin" | "editor" | "viewer";
const ROLES: Role[] = ["owner", "admin", "editor", "viewer"];
const writers: Role[] = ["owner", "admin", "editor"];

let ws: string;
let owner: Browser;
const people = {} as Record<Role, Browser>;
const tokens = {} as Record<Role, string>;
let readToken: string;

beforeAll(async () => {
  owner = await signUp("Owner");
  ws = await createWorkspace(owner, "Media Roles");
  people.owner = owner;
  tokens.owner = await createToken(owner, ws, "write");
  readToken = await createToken(owner, ws, "read");
  // A token acts with its creator's role, and only managers create tokens: each member gets theirs
  // while briefly an admin.
  for (const role of ["admin", "editor", "viewer"] as const) {
    people[role] = await signUp(role);
    const id = await addMember(owner, ws, people[role], "admin");
    tokens[role] = await createToken(people[role], ws, "write");
    await api(tokens.owner, "PATCH", `/workspaces/${ws}/members/${id}`, { role });
  }
});

/** Uploads through the API (the way a script would), with the given token. */
function uploadBytes(token: string, workspaceId: string, bytes: Uint8Array, filename = "file.png") {
  return exports.default.fetch(
    new Request(`${ORIGIN}/api/v1/workspaces/${workspaceId}/media?filename=${encodeURIComponent(filename)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: bytes,
    }),
  );
}

function putPart(token: string, workspaceId: string, upload: { mediaId: string; uploadId: string }, n: number, bytes: Uint8Array) {
  return exports.default.fetch(
    new Request(`${ORIGIN}/api/v1/workspaces/${workspaceId}/media/uploads/${upload.mediaId}/parts/${n}?uploadId=${encodeURIComponent(upload.uploadId)}&filename=clip.mp4`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: bytes,
    }),
  );
}

/** Posts a file form the way the page's plain form does (multipart, CSRF token in a field). */
function postForm(browser: Browser, path: string, files: File[]) {
  const form = new FormData();
  form.append("_csrf", browser.cookies.get("__Host-csrf") ?? "");
  for (const file of files) form.append("file", file);
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  return exports.default.fetch(new Request(ORIGIN + path, { method: "POST", headers: { cookie, "sec-fetch-site": "same-origin", origin: ORIGIN }, body: form, redirect: "manual" }));
}

async function freshImage(workspaceId = ws, token = tokens.owner): Promise<string> {
  return ((await (await uploadBytes(token, workspaceId, png(4, 4))).json()) as { id: string }).id;
}

async function freshUpload(workspaceId = ws, token = tokens.owner, withFirstPart = false): Promise<{ mediaId: string; uploadId: string; etag?: string }> {
  const upload = (await (await api(token, "POST", `/workspaces/${workspaceId}/media/uploads`)).json()) as { mediaId: string; uploadId: string };
  if (!withFirstPart) return upload;
  const part = (await (await putPart(token, workspaceId, upload, 1, mp4(1000))).json()) as { etag: string };
  return { ...upload, etag: part.etag };
}

let shared: string;
const w = () => `/w/${ws}`;
const v = () => `/workspaces/${ws}`;

/** A failure's body, for the assertion message; file bodies are not text. */
const why = async (r: Response) => (r.headers.get("content-type")?.startsWith("application/json") || r.headers.get("content-type")?.startsWith("text/") ? r.clone().text() : "");

type Case = { name: string; allowed: Role[]; ui?: (b: Browser) => Promise<Response>; api: (t: string) => Promise<Response> };

const cases: Case[] = [
  { name: "see the library", allowed: ROLES, ui: (b) => b.get(`${w()}/media`), api: (t) => api(t, "GET", `${v()}/media`) },
  {
    name: "upload a file",
    allowed: writers,
    ui: (b) => postForm(b, `${w()}/media`, [new File([png(3, 3)], "ui.png")]),
    api: (t) => uploadBytes(t, ws, png(3, 3)),
  },
  { name: "describe a file", allowed: ROLES, api: (t) => api(t, "GET", `${v()}/media/${shared}`) },
  {
    name: "download a file",
    allowed: ROLES,
    ui: (b) => b.get(`${w()}/media/${shared}/file`),
    api: (t) => api(t, "GET", `${v()}/media/${shared}/file`),
  },
  {
    name: "set alt text",
    allowed: writers,
    ui: (b) => b.post(`${w()}/media/${shared}/alt`, { altText: "A dot" }),
    api: (t) => api(t, "PATCH", `${v()}/media/${shared}`, { altText: "A dot" }),
  },
  {
    name: "delete a file",
    allowed: writers,
    ui: async (b) => b.post(`${w()}/media/${await freshImage()}/delete`),
    api: async (t) => api(t, "DELETE", `${v()}/media/${await freshImage()}`),
  },
  { name: "start a multipart upload", allowed: writers, api: (t) => api(t, "POST", `${v()}/media/uploads`) },
  { name: "upload a part", allowed: writers, api: async (t) => putPart(t, ws, await freshUpload(), 1, mp4(1000)) },
  {
    name: "complete a multipart upload",
    allowed: writers,
    api: async (t) => {
      const upload = await freshUpload(ws, tokens.owner, true);
      return api(t, "POST", `${v()}/media/uploads/${upload.mediaId}/complete`, { uploadId: upload.uploadId, parts: [{ partNumber: 1, etag: upload.etag }] });
    },
  },
  {
    name: "abort a multipart upload",
    allowed: writers,
    api: async (t) => {
      const upload = await freshUpload(ws, tokens.owner, true);
      return api(t, "DELETE", `${v()}/media/uploads/${upload.mediaId}?uploadId=${encodeURIComponent(upload.uploadId)}`);
    },
  },
];

describe("roles", () => {
  beforeAll(async () => {
    shared = await freshImage();
  });

  describe.each(cases.filter((c) => c.ui))("$name in the UI", (c) => {
    it.each(ROLES)("as %s", async (role) => {
      const response = await c.ui!(people[role]);
      if (c.allowed.includes(role)) expect(response.status, await why(response)).toBeLessThan(400);
      else expect(response.status).toBe(403);
    });
  });

  describe.each(cases)("$name through the API", (c) => {
    it.each(ROLES)("as %s", async (role) => {
      const response = await c.api(tokens[role]);
      if (c.allowed.includes(role)) expect(response.status, await why(response)).toBeLessThan(300);
      else {
        expect(response.status).toBe(403);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe("forbidden");
      }
    });

    it("with a read-scoped token", async () => {
      const response = await c.api(readToken);
      if (c.allowed.includes("viewer")) expect(response.status).toBeLessThan(300);
      else {
        expect(response.status).toBe(403);
        expect(((await response.json()) as { error: { message: string } }).error.message).toContain("read scope");
      }
    });
  });

  it("the page offers uploading, alt text and deletion only to those who may", async () => {
    const forEditor = await (await people.editor.get(`${w()}/media`)).text();
    expect(forEditor).toContain('class="dropzone"');
    expect(forEditor).toContain("hx-confirm=");
    const forViewer = await (await people.viewer.get(`${w()}/media`)).text();
    expect(forViewer).toContain(`/media/${shared}/file`);
    expect(forViewer).not.toContain('class="dropzone"');
    expect(forViewer).not.toContain("/alt");
    expect(forViewer).not.toContain("/delete");
  });
});

describe("tenant isolation", () => {
  let other: Browser;
  let otherWs: string;
  let otherToken: string;
  let image: string;
  let upload: { mediaId: string; uploadId: string; etag?: string };

  beforeAll(async () => {
    image = await freshImage();
    upload = await freshUpload(ws, tokens.owner, true);
    other = await signUp("Otto");
    otherWs = await createWorkspace(other, "Elsewhere");
    otherToken = await createToken(other, otherWs, "write");
  });

  const state = async () => ({
    media: (await env.DB.prepare("SELECT id, alt_text, state, size FROM media WHERE workspace_id = ? ORDER BY id").bind(ws).all()).results,
    objects: (await env.MEDIA.list({ prefix: `ws/${ws}/` })).objects.map((o) => o.key).sort(),
  });

  it("the UI answers 404 for another workspace's media, by path and by id, and changes nothing", async () => {
    const before = await state();
    const attempts: [string, string][] = [
      ["GET", `/w/${ws}/media`],
      ["GET", `/w/${ws}/media/${image}/file`],
      ["POST", `/w/${ws}/media/${image}/alt`],
      ["POST", `/w/${ws}/media/${image}/delete`],
      ["GET", `/w/${otherWs}/media/${image}/file`],
      ["POST", `/w/${otherWs}/media/${image}/alt`],
      ["POST", `/w/${otherWs}/media/${image}/delete`],
    ];
    for (const [method, path] of attempts) {
      const response = method === "GET" ? await other.get(path) : await other.post(path, { altText: "mine" });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    expect((await postForm(other, `/w/${ws}/media`, [new File([png(2, 2)], "planted.png")])).status).toBe(404);
    expect(await state()).toEqual(before);
  });

  it("the API answers 404 for another workspace's media and uploads, by path and by id, and changes nothing", async () => {
    const before = await state();
    const done = { uploadId: upload.uploadId, parts: [{ partNumber: 1, etag: upload.etag }] };
    const calls: [string, string, unknown?][] = [
      ["GET", `/workspaces/${ws}/media`],
      ["GET", `/workspaces/${ws}/media/${image}`],
      ["GET", `/workspaces/${ws}/media/${image}/file`],
      ["PATCH", `/workspaces/${ws}/media/${image}`, { altText: "mine" }],
      ["DELETE", `/workspaces/${ws}/media/${image}`],
      ["POST", `/workspaces/${ws}/media/uploads`],
      ["POST", `/workspaces/${ws}/media/uploads/${upload.mediaId}/complete`, done],
      ["DELETE", `/workspaces/${ws}/media/uploads/${upload.mediaId}?uploadId=${encodeURIComponent(upload.uploadId)}`],
      ["GET", `/workspaces/${otherWs}/media/${image}`],
      ["GET", `/workspaces/${otherWs}/media/${image}/file`],
      ["PATCH", `/workspaces/${otherWs}/media/${image}`, { altText: "mine" }],
      ["DELETE", `/workspaces/${otherWs}/media/${image}`],
      ["POST", `/workspaces/${otherWs}/media/uploads/${upload.mediaId}/complete`, done],
      ["DELETE", `/workspaces/${otherWs}/media/uploads/${upload.mediaId}?uploadId=${encodeURIComponent(upload.uploadId)}`],
    ];
    for (const [method, path, body] of calls) expect((await api(otherToken, method, path, body)).status, `${method} ${path}`).toBe(404);
    expect((await uploadBytes(otherToken, ws, png(2, 2))).status).toBe(404);
    // Parts aimed at this workspace's upload, through either workspace's path.
    for (const n of [1, 2]) {
      expect((await putPart(otherToken, ws, upload, n, mp4(1000))).status, `part ${n} by path`).toBe(404);
      expect((await putPart(otherToken, otherWs, upload, n, mp4(1000))).status, `part ${n} by id`).toBe(404);
    }
    // An upload whose part 1 has not arrived yet: a part 1 sent for it from elsewhere claims nothing.
    const unstarted = await freshUpload();
    expect((await putPart(otherToken, otherWs, unstarted, 1, mp4(1000))).status).toBe(404);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM media WHERE workspace_id = ?").bind(otherWs).first("n")).toBe(0);
    expect((await putPart(tokens.owner, ws, unstarted, 1, mp4(1000))).status).toBe(200);
    await api(tokens.owner, "DELETE", `/workspaces/${ws}/media/uploads/${unstarted.mediaId}?uploadId=${encodeURIComponent(unstarted.uploadId)}`);
    expect(await state()).toEqual(before);
    // The upload is untouched: its owner can still finish it.
    const completed = await api(tokens.owner, "POST", `/workspaces/${ws}/media/uploads/${upload.mediaId}/complete`, done);
    expect(completed.status).toBe(201);
    expect(await completed.json()).toMatchObject({ id: upload.mediaId, size: 1000 });
  });
});
