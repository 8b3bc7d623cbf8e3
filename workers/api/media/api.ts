/** The media library under /api/v1, including R2 multipart uploads for video. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Media } from "../../../lib/db/schema";
import { AppError } from "../../../lib/http/errors";
import { authorize, inTokenWorkspace } from "../rest/auth";
import { body, errors, iso, json, noContent, pathParam, security, timestamp, workspaceParams, type Api } from "../rest/kit";
import { serveMedia } from "./files";
import { abortUpload, completeUpload, deleteMedia, getMedia, listMedia, setAltText, startUpload, uploadMedia, uploadPart } from "./service";

/** Routes whose body is a file, exempt from the JSON-only rule and the 1 MB limit (see rest/index.ts). */
export function carriesFile(method: string, path: string): boolean {
  return (method === "POST" && /^\/api\/v1\/workspaces\/[^/]+\/media$/.test(path)) || (method === "PUT" && /^\/api\/v1\/workspaces\/[^/]+\/media\/uploads\/[^/]+\/parts\/[^/]+$/.test(path));
}

const mediaParams = workspaceParams.extend({ mediaId: pathParam("mediaId") });

const MediaSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    mime: z.string().openapi({ description: "Sniffed from the bytes" }),
    kind: z.enum(["image", "gif", "video", "pdf"]),
    size: z.number().int(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    altText: z.string(),
    usedBy: z.number().int().optional(),
    createdAt: timestamp,
  })
  .openapi("Media");
const toMedia = (m: Media & { usedBy?: number }) => ({
  id: m.id,
  filename: m.filename,
  mime: m.mime,
  kind: m.kind,
  size: m.size,
  width: m.width,
  height: m.height,
  altText: m.altText,
  ...(m.usedBy !== undefined ? { usedBy: m.usedBy } : {}),
  createdAt: iso(m.createdAt),
});

const binary = (description: string) => ({
  body: { required: true, description, content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } } },
});

async function bytesOf(request: Request): Promise<Uint8Array> {
  return new Uint8Array(await request.arrayBuffer());
}

export function mediaApi(api: Api) {
  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/media",
      tags: ["Media"],
      security,
      summary: "List the media library, newest first",
      request: { params: workspaceParams },
      responses: { 200: json(z.object({ media: z.array(MediaSchema) }), "Media"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "media.view");
      return c.json({ media: (await listMedia(c.var.db, c.var.access)).map(toMedia) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/media",
      tags: ["Media"],
      security,
      summary: "Upload a file of up to 25 MB in one request; the type is sniffed from its bytes",
      request: {
        params: workspaceParams,
        query: z.object({ filename: z.string().min(1, "is required").max(200), altText: z.string().max(1000).optional() }),
        ...binary("The file's bytes"),
      },
      responses: { 201: json(MediaSchema, "The stored file"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "media.upload");
      const { filename, altText } = c.req.valid("query");
      const item = await uploadMedia(c.var.db, c.env.MEDIA, c.var.access, { name: filename, bytes: await bytesOf(c.req.raw), altText });
      return c.json(toMedia(item), 201);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/media/{mediaId}",
      tags: ["Media"],
      security,
      summary: "Describe a file",
      request: { params: mediaParams },
      responses: { 200: json(MediaSchema, "The file's description"), ...errors },
    }),
    async (c) => {
      const { workspaceId, mediaId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "media.view");
      return c.json(toMedia(await getMedia(c.var.db, c.var.access, mediaId)), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/v1/workspaces/{workspaceId}/media/{mediaId}/file",
      tags: ["Media"],
      security,
      summary: "Download the file; Range requests answer 206",
      request: { params: mediaParams },
      responses: { 200: { description: "The bytes" }, 206: { description: "The requested range" }, 416: { description: "Range outside the file" }, ...errors },
    }),
    async (c) => {
      const { workspaceId, mediaId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "media.view");
      return (await serveMedia(c, mediaId)) as never;
    },
  );

  api.openapi(
    createRoute({
      method: "patch",
      path: "/v1/workspaces/{workspaceId}/media/{mediaId}",
      tags: ["Media"],
      security,
      summary: "Set the alt text (required on images before they are published)",
      request: { params: mediaParams, ...body(z.object({ altText: z.string().max(1000, "must be at most 1,000 characters") })) },
      responses: { 200: json(MediaSchema, "The file's description"), ...errors },
    }),
    async (c) => {
      const { workspaceId, mediaId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "media.upload");
      return c.json(toMedia(await setAltText(c.var.db, c.var.access, mediaId, c.req.valid("json").altText)), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "delete",
      path: "/v1/workspaces/{workspaceId}/media/{mediaId}",
      tags: ["Media"],
      security,
      summary: "Delete a file; 409 while content uses it",
      request: { params: mediaParams },
      responses: { 204: { description: "Deleted" }, ...errors },
    }),
    async (c) => {
      const { workspaceId, mediaId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "media.delete");
      await deleteMedia(c.var.db, c.env.MEDIA, c.var.access, mediaId);
      return noContent();
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/media/uploads",
      tags: ["Media"],
      security,
      summary: "Start a multipart upload (for files over 25 MB, up to 100 MB)",
      request: { params: workspaceParams },
      responses: { 201: json(z.object({ mediaId: z.string(), uploadId: z.string() }), "Send parts of 5 MiB to 25 MB (the last may be smaller), numbered from 1, part 1 first"), ...errors },
    }),
    async (c) => {
      inTokenWorkspace(c, c.req.valid("param").workspaceId);
      authorize(c, "media.upload");
      return c.json(await startUpload(c.env.MEDIA, c.var.access), 201);
    },
  );

  api.openapi(
    createRoute({
      method: "put",
      path: "/v1/workspaces/{workspaceId}/media/uploads/{mediaId}/parts/{partNumber}",
      tags: ["Media"],
      security,
      summary: "Upload one part; part 1 is sniffed and a file that is not media is refused (415)",
      request: {
        params: mediaParams.extend({ partNumber: z.coerce.number().int().min(1).max(10_000).openapi({ param: { name: "partNumber", in: "path" } }) }),
        query: z.object({ uploadId: z.string().min(1, "is required"), filename: z.string().min(1).max(200).default("upload") }),
        ...binary("The part's bytes"),
      },
      responses: { 200: json(z.object({ partNumber: z.number().int(), etag: z.string() }), "Keep the etag for completion"), ...errors },
    }),
    async (c) => {
      const { workspaceId, mediaId, partNumber } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "media.upload");
      const { uploadId, filename } = c.req.valid("query");
      const bytes = await bytesOf(c.req.raw);
      if (bytes.byteLength === 0) throw new AppError(422, "invalid_request", "body: the part is empty", { body: "the part is empty" });
      return c.json(await uploadPart(c.var.db, c.env.MEDIA, c.var.access, { mediaId, uploadId, partNumber, filename }, bytes), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/v1/workspaces/{workspaceId}/media/uploads/{mediaId}/complete",
      tags: ["Media"],
      security,
      summary: "Join the parts into the file",
      request: {
        params: mediaParams,
        ...body(
          z.object({
            uploadId: z.string().min(1, "is required"),
            parts: z.array(z.object({ partNumber: z.number().int().min(1), etag: z.string().min(1) })).min(1, "needs at least one part"),
            altText: z.string().max(1000).optional(),
          }),
        ),
      },
      responses: { 201: json(MediaSchema, "The stored file"), ...errors },
    }),
    async (c) => {
      const { workspaceId, mediaId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "media.upload");
      return c.json(toMedia(await completeUpload(c.var.db, c.env.MEDIA, c.var.access, { mediaId, ...c.req.valid("json") })), 201);
    },
  );

  api.openapi(
    createRoute({
      method: "delete",
      path: "/v1/workspaces/{workspaceId}/media/uploads/{mediaId}",
      tags: ["Media"],
      security,
      summary: "Abandon a multipart upload",
      request: { params: mediaParams, query: z.object({ uploadId: z.string().min(1, "is required") }) },
      responses: { 204: { description: "Abandoned" }, ...errors },
    }),
    async (c) => {
      const { workspaceId, mediaId } = c.req.valid("param");
      inTokenWorkspace(c, workspaceId);
      authorize(c, "media.upload");
      await abortUpload(c.var.db, c.env.MEDIA, c.var.access, mediaId, c.req.valid("query").uploadId);
      return noContent();
    },
  );
}
