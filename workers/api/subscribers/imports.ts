/**
 * CSV imports: the file goes to R2 as it is and an import row tracks it; the `email` queue reads it
 * in chunks (workers/publisher/email/import.ts), so 100,000 rows never run in one request. The
 * import page polls the row for its progress (bytes read of the file) and lists every rejected row
 * with its reason.
 */
import { and, asc, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { auditEntry } from "../../../lib/audit";
import type { Db } from "../../../lib/db/client";
import { emailLists, importRejections, subscriberImports, type SubscriberImport } from "../../../lib/db/schema";
import { toCsv } from "../../../lib/email/csv";
import { AppError, notFound } from "../../../lib/http/errors";
import { newId } from "../../../lib/ids";
import { stamped, type EmailMessage } from "../../../lib/queues/messages";
import type { WorkspaceAccess } from "../types";
import { allow } from "./service";

export const MAX_IMPORT_BYTES = 25 * 1024 * 1024;

export const importInput = z.object({
  listId: z.string().optional().transform((v) => v || undefined),
  consentText: z
    .string({ error: "say how these people agreed to receive email" })
    .trim()
    .min(10, "say how these people agreed to receive email (at least 10 characters)")
    .max(2000, "must be at most 2,000 characters"),
});

export async function startImport(db: Db, bucket: R2Bucket, queue: Queue, access: WorkspaceAccess, file: { name: string; bytes: Uint8Array }, input: z.infer<typeof importInput>): Promise<SubscriberImport> {
  allow(access, "subscribers.manage");
  if (file.bytes.byteLength === 0) throw new AppError(422, "invalid_request", "file: the file is empty", { file: "the file is empty" });
  if (file.bytes.byteLength > MAX_IMPORT_BYTES) throw new AppError(413, "file_too_large", "The CSV file is larger than 25 MB; split it.");
  if (input.listId) {
    const list = await db.select({ id: emailLists.id }).from(emailLists).where(and(eq(emailLists.id, input.listId), eq(emailLists.workspaceId, access.workspace.id))).get();
    if (!list) throw new AppError(422, "invalid_request", "listId: no such list", { listId: "no such list" });
  }
  const id = newId("imp");
  const r2Key = `imports/${access.workspace.id}/${id}.csv`;
  await bucket.put(r2Key, file.bytes, { httpMetadata: { contentType: "text/csv" } });
  const fileName = file.name.replace(/[\u0000-\u001f"\\/]/g, "_").slice(0, 200) || "import.csv";
  const [rows] = await db.batch([
    db
      .insert(subscriberImports)
      .values({ id, workspaceId: access.workspace.id, listId: input.listId ?? null, fileName, r2Key, fileBytes: file.bytes.byteLength, consentText: input.consentText, createdBy: access.actor.userId })
      .returning(),
    auditEntry(db, access.actor, { workspaceId: access.workspace.id, action: "subscribers.import_started", targetType: "subscriber_import", targetId: id, detail: { fileName, bytes: file.bytes.byteLength } }),
  ]);
  await queue.send(stamped({ type: "email.import", importId: id } satisfies EmailMessage));
  return rows[0]!;
}

export async function getImport(db: Db, access: WorkspaceAccess, id: string): Promise<SubscriberImport> {
  allow(access, "subscribers.view");
  const row = await db.select().from(subscriberImports).where(and(eq(subscriberImports.id, id), eq(subscriberImports.workspaceId, access.workspace.id))).get();
  if (!row) throw notFound("Import not found");
  return row;
}

export async function listImports(db: Db, access: WorkspaceAccess) {
  allow(access, "subscribers.view");
  return db.select().from(subscriberImports).where(eq(subscriberImports.workspaceId, access.workspace.id)).orderBy(desc(subscriberImports.createdAt)).limit(20).all();
}

export async function rejectionsOf(db: Db, access: WorkspaceAccess, id: string, limit = 100_000) {
  await getImport(db, access, id);
  return db.select().from(importRejections).where(eq(importRejections.importId, id)).orderBy(asc(importRejections.row)).limit(limit).all();
}

export async function rejectionsCsv(db: Db, access: WorkspaceAccess, id: string): Promise<string> {
  const rows = await rejectionsOf(db, access, id);
  return toCsv(["row", "email", "reason"], rows.map((r) => [r.row, r.email, r.reason]));
}

/** Progress in percent, by bytes of the file read. */
export const importProgress = (i: SubscriberImport) => (i.status === "done" ? 100 : Math.floor((i.offset / Math.max(1, i.fileBytes)) * 100));
