/**
 * The media library: files in R2 under `ws/<workspace>/<media id>`, described by `media` rows.
 * The type comes from the bytes (lib/domain/media-types.ts); files are served only through the
 * Worker to members, with Range requests for video. Small files arrive in one request; video goes
 * through R2 multipart uploads (parts of 5 MiB or more, up to 100 MB in all).
 */
import { and, count, desc, eq, inArray, sql } from "drizzle-orm";
import { auditEntry, auditIfChanged } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { media, variantMedia, type Media } from "../../../lib/db/schema";
import { imageDimensions, SIZE_LIMITS, sniff, type Sniffed } from "../../../lib/domain/media-types";
import { can, type Permission } from "../../../lib/domain/roles";
import { AppError, forbidden, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import type { WorkspaceAccess } from "../types";

const MB = 1024 * 1024;
/** One request carries at most this much; larger files use the multipart flow. */
export const SINGLE_UPLOAD_LIMIT = 25 * MB;

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

function checkSize(sniffed: Sniffed, size: number): void {
  const limit = SIZE_LIMITS[sniffed.kind];
  if (size > limit) throw new AppError(413, "file_too_large", `This ${sniffed.kind} is ${(size / MB).toFixed(1)} MB; the limit for ${sniffed.kind === "gif" ? "GIFs" : `${sniffed.kind}s`} is ${limit / MB} MB.`);
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
  const sniffed = sniffOrRefuse(file.bytes.subarray(0, 64), filename);
  checkSize(sniffed, file.bytes.byteLength);
  if (file.bytes.byteLength > SINGLE_UPLOAD_LIMIT) {
    throw new AppError(413, "file_too_large", `Files over ${SINGLE_UPLOAD_LIMIT / MB} MB go through the multipart upload (POST …/media/uploads).`);
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
 * Step 2: one part. Part 1 is sniffed before it is stored and creates the (pending) media row; a
 * file that is not media is refused there and its upload aborted, so no bytes of it are kept.
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
      sniffed = sniffOrRefuse(bytes.subarray(0, 64), filename);
    } catch (err) {
      await multipart.abort().catch(() => undefined);
      throw err;
    }
    await db
      .insert(media)
      .values({ id: upload.mediaId, workspaceId: access.workspace.id, r2Key: key, filename, mime: sniffed.mime, kind: sniffed.kind, size: 0, state: "pending", uploadedBy: access.actor.userId })
      .onConflictDoNothing();
  } else {
    const pending = await db
      .select({ id: media.id })
      .from(media)
      .where(and(eq(media.id, upload.mediaId), eq(media.workspaceId, access.workspace.id), eq(media.state, "pending")))
      .get();
    if (!pending) throw notFound("Upload not found: send part 1 first");
  }
  try {
    const part = await multipart.uploadPart(upload.partNumber, bytes);
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
    await db.delete(media).where(eq(media.id, row.id));
    throw err;
  }
  let dims = null;
  if (row.kind === "image" || row.kind === "gif") {
    const head = await bucket.get(row.r2Key, { range: { offset: 0, length: 256 * 1024 } });
    dims = head ? imageDimensions(new Uint8Array(await head.arrayBuffer()), row.mime) : null;
  }
  const [rows] = await db.batch([
    db
      .update(media)
      .set({ state: "ready", size: object.size, width: dims?.width ?? null, height: dims?.height ?? null, altText: upload.altText?.trim() ?? "" })
      .where(eq(media.id, row.id))
      .returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "media.uploaded", targetType: "media", targetId: row.id, detail: { filename: row.filename, mime: row.mime, size: object.size, multipart: true } }),
  ]);
  return rows[0]!;
}

export async function abortUpload(db: Db, bucket: R2Bucket, access: WorkspaceAccess, mediaId: string, uploadId: string): Promise<void> {
  allow(access, "media.upload");
  await bucket.resumeMultipartUpload(keyOf(access.workspace.id, mediaId), uploadId).abort().catch(() => undefined);
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
  const notUsed = sql`NOT EXISTS (SELECT 1 FROM variant_media WHERE media_id = ${id})`;
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

/** A Range header as R2 understands it, or a 416 when it asks for bytes the file does not have. */
export function parseRange(header: string | undefined, size: number): R2Range | undefined {
  if (!header) return undefined;
  const m = header.match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === "" && m[2] === "")) throw new AppError(416, "range_not_satisfiable", `Unsupported Range “${header}”.`, undefined, { "Content-Range": `bytes */${size}` });
  if (m[1] === "") return { suffix: Math.min(Number(m[2]), size) };
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) throw new AppError(416, "range_not_satisfiable", `Range “${header}” is outside the file (${size} bytes).`, undefined, { "Content-Range": `bytes */${size}` });
  return { offset: start, length: end - start + 1 };
}
