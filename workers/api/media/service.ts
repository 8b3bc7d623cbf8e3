/**
 * The media library: files in R2 under `ws/<workspace>/<media id>`, described by `media` rows.
 * The type comes from the bytes (lib/domain/media-types.ts); files are served only through the
 * Worker to members, with Range requests for video. Small files arrive in one request; video goes
 * through R2 multipart uploads (parts of 5 MiB to 25 MB, up to 100 MB in all).
 */
import { and, count, desc, eq, inArray, sql } from "drizzle-orm";
import { auditEntry, auditIfChanged } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { media, variantMedia, type Media } from "../../../lib/db/schema";
import { DIMENSION_BYTES, imageDimensions, SIZE_LIMITS, sniff, SNIFF_BYTES, type MediaKind, type Sniffed } from "../../../lib/domain/media-types";
import { can, type Permission } from "../../../lib/domain/roles";
import { AppError, forbidden, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import type { WorkspaceAccess } from "../types";

const MB = 1024 * 1024;
/**
 * One request carries at most this much of a file, whole or one part of a multipart upload: it is
 * held in memory, and a Worker has 128 MB. Larger files use the multipart flow.
 */
export const FILE_REQUEST_LIMIT = 25 * MB;

function allow(access: WorkspaceAccess, permission: Permission) {
  if (!can(access.role, permission)) throw forbidden();
}

const keyOf = (workspaceId: string, mediaId: string) => `ws/${workspaceId}/${mediaId}`;

const cleanName = (name: string) => name.replace(/[\u0000-\u001f"\\/]/g, "_").trim().slice(0, 200) || "upload";

/** The type of the first bytes, or a 415 that says what the file is not. */
export function sniffOrRefuse(head: Uint8Array, filename: string): Sniffed {
  const sniffed = sniff(head);
  if (!sniffed) {
    throw new AppError(415, "unsupported_media_type", `“${filename}” is not an image (JPEG, PNG, GIF, WebP, AVIF, HEIC), a video (MP4, MOV, WebM) or a PDF, whatever its name says.`);
  }
  return sniffed;
}

const NAMES: Record<MediaKind, { one: string; many: string }> = {
  image: { one: "image", many: "images" },
  gif: { one: "GIF", many: "GIFs" },
  video: { one: "video", many: "videos" },
  pdf: { one: "PDF", many: "PDFs" },
};

function checkSize(sniffed: Sniffed, size: number): void {
  const limit = SIZE_LIMITS[sniffed.kind];
  if (size > limit) throw new AppError(413, "file_too_large", `This ${NAMES[sniffed.kind].one} is ${(size / MB).toFixed(1)} MB; the limit for ${NAMES[sniffed.kind].many} is ${limit / MB} MB.`);
}

export type MediaView = Media & { usedBy: number };

export async function listMedia(db: Db, access: WorkspaceAccess): Promise<MediaView[]> {
  allow(access, "media.view");
  const rows = await db
    .select({ item: media, usedBy: count(variantMedia.variantId) })
    .from(media)
    .leftJoin(variantMedia, eq(variantMedia.mediaId, media.id))
    .where(and(eq(media.workspaceId, access.workspace.id), eq(media.state, "ready")))
    .groupBy(media.id)
    .orderBy(desc(media.createdAt))
    .limit(500)
    .all();
  return rows.map((r) => ({ ...r.item, usedBy: r.usedBy }));
}

export async function getMedia(db: Db, access: WorkspaceAccess, id: string): Promise<MediaView> {
  allow(access, "media.view");
  const row = await db
    .select({ item: media, usedBy: count(variantMedia.variantId) })
    .from(media)
    .leftJoin(variantMedia, eq(variantMedia.mediaId, media.id))
    .where(and(eq(media.id, id), eq(media.workspaceId, access.workspace.id), eq(media.state, "ready")))
    .groupBy(media.id)
    .get();
  if (!row) throw notFound("Media not found");
  return { ...row.item, usedBy: row.usedBy };
}

/** Stores a file that arrived whole (a form upload or the API's single upload). */
export async function uploadMedia(db: Db, bucket: R2Bucket, access: WorkspaceAccess, file: { name: string; bytes: Uint8Array; altText?: string | undefined }): Promise<Media> {
  allow(access, "media.upload");
  const filename = cleanName(file.name);
  if (file.bytes.byteLength === 0) throw new AppError(422, "invalid_request", "file: is empty", { file: "is empty" });
  const sniffed = sniffOrRefuse(file.bytes.subarray(0, SNIFF_BYTES), filename);
  checkSize(sniffed, file.bytes.byteLength);
  if (file.bytes.byteLength > FILE_REQUEST_LIMIT) {
    throw new AppError(413, "file_too_large", `Files over ${FILE_REQUEST_LIMIT / MB} MB go through the multipart upload (POST …/media/uploads).`);
  }
  const dims = sniffed.kind === "image" || sniffed.kind === "gif" ? imageDimensions(file.bytes, sniffed.mime) : null;
  const id = newId("med");
  const key = keyOf(access.workspace.id, id);
  await bucket.put(key, file.bytes, { httpMetadata: { contentType: sniffed.mime } });
  const [rows] = await db.batch([
    db
      .insert(media)
      .values({
        id,
        workspaceId: access.workspace.id,
        r2Key: key,
        filename,
        mime: sniffed.mime,
        kind: sniffed.kind,
        size: file.bytes.byteLength,
        width: dims?.width ?? null,
        height: dims?.height ?? null,
        altText: file.altText?.trim() ?? "",
        uploadedBy: access.actor.userId,
      })
      .returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "media.uploaded", targetType: "media", targetId: id, detail: { filename, mime: sniffed.mime, size: file.bytes.byteLength } }),
  ]);
  return rows[0]!;
}

/** Step 1 of a multipart upload: a media id and an R2 upload id; nothing is listed until complete. */
export async function startUpload(bucket: R2Bucket, access: WorkspaceAccess): Promise<{ mediaId: string; uploadId: string }> {
  allow(access, "media.upload");
  const mediaId = newId("med");
  const upload = await bucket.createMultipartUpload(keyOf(access.workspace.id, mediaId));
  return { mediaId, uploadId: upload.uploadId };
}

/**
 * Step 2: one part. Part 1 is sniffed before it is stored, and only then is the (pending) media row
 * written, so a file that is not media leaves nothing behind (its upload is aborted). Every part is
 * counted against the sniffed kind's size limit as it arrives, so an upload cannot pile up more
 * bytes in R2 than the finished file may have; a retried part counts twice, erring on the safe side.
 */
export async function uploadPart(
  db: Db,
  bucket: R2Bucket,
  access: WorkspaceAccess,
  upload: { mediaId: string; uploadId: string; partNumber: number; filename: string },
  bytes: Uint8Array,
): Promise<{ partNumber: number; etag: string }> {
  allow(access, "media.upload");
  const key = keyOf(access.workspace.id, upload.mediaId);
  const multipart = bucket.resumeMultipartUpload(key, upload.uploadId);
  if (upload.partNumber === 1) {
    const filename = cleanName(upload.filename);
    let sniffed: Sniffed;
    try {
      sniffed = sniffOrRefuse(bytes.subarray(0, SNIFF_BYTES), filename);
      checkSize(sniffed, bytes.byteLength);
    } catch (err) {
      await multipart.abort().catch(() => undefined);
      throw err;
    }
    const part = await storePart(multipart, 1, bytes);
    // A retried part 1 finds the row already there: the upload goes on as before.
    await db
      .insert(media)
      .values({ id: upload.mediaId, workspaceId: access.workspace.id, r2Key: key, filename, mime: sniffed.mime, kind: sniffed.kind, size: bytes.byteLength, state: "pending", uploadedBy: access.actor.userId })
      .onConflictDoNothing();
    return part;
  }
  const pending = await db
    .select({ id: media.id, kind: media.kind })
    .from(media)
    .where(and(eq(media.id, upload.mediaId), eq(media.workspaceId, access.workspace.id), eq(media.state, "pending")))
    .get();
  if (!pending) throw notFound("Upload not found: send part 1 first");
  const part = await storePart(multipart, upload.partNumber, bytes);
  const counted = await db
    .update(media)
    .set({ size: sql`${media.size} + ${bytes.byteLength}` })
    .where(and(eq(media.id, pending.id), eq(media.workspaceId, access.workspace.id), eq(media.state, "pending"), sql`${media.size} + ${bytes.byteLength} <= ${SIZE_LIMITS[pending.kind]}`))
    .returning({ id: media.id });
  if (counted.length === 0) {
    await multipart.abort().catch(() => undefined);
    await db.delete(media).where(and(eq(media.id, pending.id), eq(media.workspaceId, access.workspace.id), eq(media.state, "pending")));
    throw new AppError(413, "file_too_large", `This upload is now over the ${SIZE_LIMITS[pending.kind] / MB} MB limit for ${NAMES[pending.kind].many}; it has been abandoned.`);
  }
  return part;
}

/** R2 refuses a part of an upload it does not know (another workspace's, or one finished or aborted). */
async function storePart(multipart: R2MultipartUpload, partNumber: number, bytes: Uint8Array): Promise<{ partNumber: number; etag: string }> {
  try {
    const part = await multipart.uploadPart(partNumber, bytes);
    return { partNumber: part.partNumber, etag: part.etag };
  } catch (err) {
    throw new AppError(404, "upload_not_found", `This upload is unknown or finished (${err instanceof Error ? err.message : String(err)}).`);
  }
}

/** Step 3: join the parts; the size limit of the sniffed kind is checked on the whole file. */
export async function completeUpload(
  db: Db,
  bucket: R2Bucket,
  access: WorkspaceAccess,
  upload: { mediaId: string; uploadId: string; parts: { partNumber: number; etag: string }[]; altText?: string | undefined },
): Promise<Media> {
  allow(access, "media.upload");
  const row = await db
    .select()
    .from(media)
    .where(and(eq(media.id, upload.mediaId), eq(media.workspaceId, access.workspace.id), eq(media.state, "pending")))
    .get();
  if (!row) throw notFound("Upload not found");
  const multipart = bucket.resumeMultipartUpload(row.r2Key, upload.uploadId);
  let object: R2Object;
  try {
    object = await multipart.complete(upload.parts);
  } catch (err) {
    throw new AppError(422, "invalid_request", `The parts could not be joined: ${err instanceof Error ? err.message : String(err)}`);
  }
  const sniffed = { mime: row.mime, kind: row.kind };
  try {
    checkSize(sniffed, object.size);
  } catch (err) {
    await bucket.delete(row.r2Key);
    await db.delete(media).where(and(eq(media.id, row.id), eq(media.workspaceId, access.workspace.id)));
    throw err;
  }
  let dims = null;
  if (row.kind === "image" || row.kind === "gif") {
    const head = await bucket.get(row.r2Key, { range: { offset: 0, length: DIMENSION_BYTES } });
    dims = head ? imageDimensions(new Uint8Array(await head.arrayBuffer()), row.mime) : null;
  }
  const [rows] = await db.batch([
    db
      .update(media)
      .set({ state: "ready", size: object.size, width: dims?.width ?? null, height: dims?.height ?? null, altText: upload.altText?.trim() ?? "" })
      .where(and(eq(media.id, row.id), eq(media.workspaceId, access.workspace.id)))
      .returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "media.uploaded", targetType: "media", targetId: row.id, detail: { filename: row.filename, mime: row.mime, size: object.size, multipart: true } }),
  ]);
  return rows[0]!;
}

/** Abandons an upload: its parts leave R2 and its pending row goes. Aborting it again is harmless. */
export async function abortUpload(db: Db, bucket: R2Bucket, access: WorkspaceAccess, mediaId: string, uploadId: string): Promise<void> {
  allow(access, "media.upload");
  try {
    await bucket.resumeMultipartUpload(keyOf(access.workspace.id, mediaId), uploadId).abort();
  } catch {
    throw new AppError(404, "upload_not_found", "This upload is unknown.");
  }
  await db.delete(media).where(and(eq(media.id, mediaId), eq(media.workspaceId, access.workspace.id), eq(media.state, "pending")));
}

export async function setAltText(db: Db, access: WorkspaceAccess, id: string, altText: string): Promise<MediaView> {
  allow(access, "media.upload");
  const [updated] = await db.batch([
    db
      .update(media)
      .set({ altText: altText.trim() })
      .where(and(eq(media.id, id), eq(media.workspaceId, access.workspace.id), eq(media.state, "ready")))
      .returning({ id: media.id }),
    auditIfChanged(db, access.actor, { workspaceId: access.workspace.id, action: "media.alt_text_changed", targetType: "media", targetId: id }),
  ]);
  if (updated.length === 0) throw notFound("Media not found");
  return getMedia(db, access, id);
}

/** Deletes a file no content uses; while a variant uses it the answer is 409 naming how many. */
export async function deleteMedia(db: Db, bucket: R2Bucket, access: WorkspaceAccess, id: string): Promise<void> {
  allow(access, "media.delete");
  const item = await getMedia(db, access, id);
  const notUsed = sql`NOT EXISTS (SELECT 1 FROM variant_media WHERE media_id = ${id} AND workspace_id = ${access.workspace.id})`;
  const [deleted] = await db.batch([
    db.delete(media).where(and(eq(media.id, id), eq(media.workspaceId, access.workspace.id), notUsed)).returning({ key: media.r2Key }),
    auditIfChanged(db, access.actor, { workspaceId: access.workspace.id, action: "media.deleted", targetType: "media", targetId: id, detail: { filename: item.filename } }),
  ]);
  if (deleted.length === 0) {
    throw new AppError(409, "media_in_use", `“${item.filename}” is used by ${item.usedBy} content variant${item.usedBy === 1 ? "" : "s"}; remove it from them first.`);
  }
  await bucket.delete(deleted[0]!.key);
}

/**
 * Images going out must carry alt text: the media of a publication are checked with this before it
 * is scheduled, and the answer names each image that lacks it.
 */
export async function assertMediaPublishable(db: Db, workspaceId: string, mediaIds: string[]): Promise<void> {
  if (mediaIds.length === 0) return;
  const rows = await db
    .select({ id: media.id, filename: media.filename, kind: media.kind, altText: media.altText })
    .from(media)
    .where(and(eq(media.workspaceId, workspaceId), inArray(media.id, mediaIds)))
    .all();
  const missing = rows.filter((r) => (r.kind === "image" || r.kind === "gif") && !r.altText.trim());
  if (missing.length) {
    throw new AppError(422, "alt_text_missing", `Add alt text to ${missing.map((m) => `“${m.filename}”`).join(", ")} before publishing.`);
  }
}

/**
 * The one byte range a Range header asks for, or undefined for the whole file: a header this server
 * does not serve (another unit, several ranges, bad syntax) is ignored, as RFC 9110 allows. A range
 * the file cannot satisfy is a 416 that states the file's size.
 */
export function parseRange(header: string | undefined, size: number): R2Range | undefined {
  const m = header?.match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  const unsatisfiable = () => new AppError(416, "range_not_satisfiable", `Range “${header}” is outside the file (${size} bytes).`, undefined, { "Content-Range": `bytes */${size}` });
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) throw unsatisfiable();
    return { suffix: Math.min(suffix, size) };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) throw unsatisfiable();
  return { offset: start, length: end - start + 1 };
}
