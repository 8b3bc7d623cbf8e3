import type { Context } from "hono";
import type { Media } from "../../../lib/db/schema";
import { notFound } from "../../../lib/http/errors";
import type { AppEnv } from "../types";
import { getMedia, parseRange } from "./service";

/**
 * Streams a media file to a member, honouring Range (206 with Content-Range) so video can seek.
 * Files are private: they are never served from a public bucket URL, and not cached by shared caches.
 */
export async function serveMedia(c: Context<AppEnv>, id: string): Promise<Response> {
  return serveFile(c, await getMedia(c.var.db, c.var.access, id));
}

/** A file's bytes, whole or the Range asked; callers have checked who may have it. */
export async function serveFile(c: Context<AppEnv>, item: Pick<Media, "r2Key" | "mime" | "size" | "filename">): Promise<Response> {
  const range = parseRange(c.req.header("range"), item.size);
  const object = await c.env.MEDIA.get(item.r2Key, range ? { range } : {});
  if (!object) throw notFound("The file is missing from storage");
  const headers = new Headers({
    "Content-Type": item.mime,
    "Accept-Ranges": "bytes",
    "Cache-Control": "private, max-age=3600",
    "Content-Disposition": `inline; filename="${item.filename.replace(/[^\w.-]/g, "_")}"`,
    "X-Content-Type-Options": "nosniff",
    ETag: object.httpEtag,
  });
  if (!range) {
    headers.set("Content-Length", String(item.size));
    return new Response(object.body, { status: 200, headers });
  }
  const start = "suffix" in range ? item.size - range.suffix : range.offset!;
  const length = "suffix" in range ? range.suffix : range.length!;
  headers.set("Content-Range", `bytes ${start}-${start + length - 1}/${item.size}`);
  headers.set("Content-Length", String(length));
  return new Response(object.body, { status: 206, headers });
}
