/**
 * One chunk of a CSV import: read a window of the file from R2 at the import's offset, parse the
 * complete rows in it, validate each, dedupe by normalised address (in the chunk, against earlier
 * chunks of the same file, and against the workspace), refuse suppressed addresses, then write
 * everything and move the offset in one D1 batch. Each statement handles the whole chunk through
 * `json_each`, so a chunk of 2,000 rows is a handful of statements.
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "../../../lib/db/client";
import { subscriberImports, type SubscriberImport } from "../../../lib/db/schema";
import { normalizeEmail, suppressionHash } from "../../../lib/email/address";
import { fieldOf, parseRows } from "../../../lib/email/csv";
import { newId } from "../../../lib/ids";
import { runBatch } from "../../../lib/email/batch";

export const CHUNK_ROWS = 2000;
/** A window comfortably larger than 2,000 rows; a row longer than this is refused. */
const WINDOW_BYTES = 2 * 1024 * 1024;

type Columns = { email: number; firstName: number; lastName: number; tags: number; attributes: [number, string][] };

function columnsOf(header: string[]): Columns | null {
  const c: Columns = { email: -1, firstName: -1, lastName: -1, tags: -1, attributes: [] };
  header.forEach((h, i) => {
    const field = fieldOf(h);
    if (field === "email" && c.email < 0) c.email = i;
    else if (field === "first_name") c.firstName = i;
    else if (field === "last_name") c.lastName = i;
    else if (field === "tags") c.tags = i;
    else if (/^[\w .-]{1,64}$/.test(h.trim())) c.attributes.push([i, h.trim()]);
  });
  return c.email >= 0 ? c : null;
}

type Valid = { row: number; email: string; normalized: string; hash: string; firstName: string | null; lastName: string | null; tags: string[]; attributes: Record<string, string> };
type Rejection = { row: number; email: string; reason: string };

/** Processes the next chunk; returns whether the import has more to read. */
export async function processImportChunk(db: Db, bucket: R2Bucket, importId: string): Promise<boolean> {
  const imp = await db.select().from(subscriberImports).where(eq(subscriberImports.id, importId)).get();
  if (!imp || imp.status === "done" || imp.status === "failed") return false;
  const object = await bucket.get(imp.r2Key, { range: { offset: imp.offset, length: WINDOW_BYTES } });
  if (!object) return fail(db, bucket, imp, "The uploaded file is gone from storage.");
  const bytes = new Uint8Array(await object.arrayBuffer());
  const final = imp.offset + bytes.byteLength >= imp.fileBytes;
  let text = new TextDecoder().decode(bytes);
  let skipped = 0;
  if (imp.offset === 0 && text.startsWith("\uFEFF")) {
    text = text.slice(1);
    skipped = 3;
  }
  const parsed = parseRows(text, CHUNK_ROWS + (imp.columns ? 0 : 1), final);
  if (parsed.rows.length === 0 && !final) return fail(db, bucket, imp, `Row ${imp.nextRow} is longer than ${WINDOW_BYTES / 1024 / 1024} MB.`);
  const consumedBytes = skipped + new TextEncoder().encode(text.slice(0, parsed.consumed)).byteLength;

  let header = imp.columns;
  let rows = parsed.rows;
  let firstRow = imp.nextRow;
  if (!header) {
    header = (rows.shift() ?? []).map((h) => h.trim());
    firstRow = 2;
  }
  const columns = columnsOf(header);
  if (!columns) return fail(db, bucket, imp, `The first line must name the columns, one of them "email" (found: ${header.join(", ") || "nothing"}).`);

  const valid: Valid[] = [];
  const rejected: Rejection[] = [];
  const seen = new Map<string, number>();
  for (const [i, cells] of rows.entries()) {
    const row = firstRow + i;
    if (cells.length === 1 && cells[0]!.trim() === "") continue; // a blank line is not a row
    const raw = (cells[columns.email] ?? "").trim();
    const reject = (reason: string) => rejected.push({ row, email: raw.slice(0, 254), reason });
    if (cells.length !== header.length) {
      reject(`has ${cells.length} fields where the header has ${header.length}`);
      continue;
    }
    if (!raw) {
      reject("no email address");
      continue;
    }
    const normalized = normalizeEmail(raw);
    if (!normalized) {
      reject("not a valid email address");
      continue;
    }
    const earlier = seen.get(normalized);
    if (earlier) {
      reject(`duplicate of row ${earlier}`);
      continue;
    }
    const firstName = columns.firstName >= 0 ? cells[columns.firstName]!.trim() : "";
    const lastName = columns.lastName >= 0 ? cells[columns.lastName]!.trim() : "";
    if (firstName.length > 100 || lastName.length > 100) {
      reject("a name longer than 100 characters");
      continue;
    }
    const tags = columns.tags >= 0 ? [...new Set(cells[columns.tags]!.split(/[,;|]/).map((t) => t.trim().toLowerCase()).filter(Boolean))] : [];
    if (tags.some((t) => t.length > 64)) {
      reject("a tag longer than 64 characters");
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const [index, key] of columns.attributes) if (cells[index]!.trim()) attributes[key] = cells[index]!.trim().slice(0, 1000);
    seen.set(normalized, row);
    valid.push({ row, email: raw, normalized, hash: await suppressionHash(imp.workspaceId, normalized), firstName: firstName || null, lastName: lastName || null, tags, attributes });
  }

  // Against the workspace: suppressed addresses are refused; an address this import already wrote
  // is a duplicate of an earlier chunk; any other existing subscriber is updated.
  const suppressed = new Set(
    (await db.all<{ h: string }>(sql`SELECT email_hash AS h FROM suppressions WHERE workspace_id = ${imp.workspaceId} AND email_hash IN (SELECT value FROM json_each(${JSON.stringify(valid.map((v) => v.hash))}))`)).map((r) => r.h),
  );
  const existing = new Map(
    (
      await db.all<{ id: string; n: string; importId: string | null }>(
        sql`SELECT id, email_normalized AS n, last_import_id AS importId FROM subscribers WHERE workspace_id = ${imp.workspaceId} AND email_normalized IN (SELECT value FROM json_each(${JSON.stringify(valid.map((v) => v.normalized))}))`,
      )
    ).map((r) => [r.n, r]),
  );
  const added: (Valid & { id: string })[] = [];
  const updated: (Valid & { id: string })[] = [];
  for (const v of valid) {
    const found = existing.get(v.normalized);
    if (suppressed.has(v.hash)) rejected.push({ row: v.row, email: v.email, reason: "on the suppression list (unsubscribed, bounced, complained or erased)" });
    else if (found?.importId === imp.id) rejected.push({ row: v.row, email: v.email, reason: "duplicate of an earlier row in this file" });
    else if (found) updated.push({ ...v, id: found.id });
    else added.push({ ...v, id: newId("sub") });
  }

  const now = Date.now();
  const done = final && parsed.consumed >= text.length;
  const addedJson = JSON.stringify(added.map((a) => ({ id: a.id, email: a.email, n: a.normalized, h: a.hash, f: a.firstName, l: a.lastName, t: a.tags, a: a.attributes, c: newId("cns") })));
  const updatedJson = JSON.stringify(updated.map((u) => ({ id: u.id, f: u.firstName, l: u.lastName, t: u.tags, a: u.attributes })));
  const memberJson = JSON.stringify([...added, ...updated].map((m) => m.id));
  await runBatch(db, [
    sql`INSERT INTO subscribers (id, workspace_id, email, email_normalized, email_hash, first_name, last_name, status, tags, attributes, source, confirmed_at, last_import_id, created_at)
      SELECT json_extract(value, '$.id'), ${imp.workspaceId}, json_extract(value, '$.email'), json_extract(value, '$.n'), json_extract(value, '$.h'),
        json_extract(value, '$.f'), json_extract(value, '$.l'), 'subscribed', json_extract(value, '$.t'), json_extract(value, '$.a'), 'import', ${now}, ${imp.id}, ${now}
      FROM json_each(${addedJson}) WHERE true ON CONFLICT DO NOTHING`,
    sql`INSERT INTO consent_records (id, workspace_id, subscriber_id, kind, ip, user_agent, form, text_shown, created_at)
      SELECT json_extract(value, '$.c'), ${imp.workspaceId}, json_extract(value, '$.id'), 'import', NULL, NULL, ${`import ${imp.id} (${imp.fileName})`}, ${imp.consentText}, ${now}
      FROM json_each(${addedJson}) WHERE EXISTS (SELECT 1 FROM subscribers WHERE id = json_extract(value, '$.id') AND last_import_id = ${imp.id})`,
    // `+` as in send.ts's complete(): walk the JSON list once, each subscriber by primary key, rather
    // than every subscriber of the workspace against the whole list.
    sql`UPDATE subscribers SET
        first_name = coalesce(j.f, subscribers.first_name),
        last_name = coalesce(j.l, subscribers.last_name),
        tags = (SELECT json_group_array(v) FROM (SELECT value AS v FROM json_each(subscribers.tags) UNION SELECT value FROM json_each(j.t))),
        attributes = json_patch(subscribers.attributes, j.a),
        last_import_id = ${imp.id}
      FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.f') AS f, json_extract(value, '$.l') AS l, json_extract(value, '$.t') AS t, json_extract(value, '$.a') AS a FROM json_each(${updatedJson})) AS j
      WHERE subscribers.id = j.id AND +subscribers.workspace_id = ${imp.workspaceId}`,
    ...(imp.listId
      ? [
          sql`INSERT INTO subscriber_lists (list_id, subscriber_id, workspace_id, created_at)
            SELECT ${imp.listId}, value, ${imp.workspaceId}, ${now} FROM json_each(${memberJson})
            WHERE EXISTS (SELECT 1 FROM subscribers WHERE id = value) ON CONFLICT DO NOTHING`,
        ]
      : []),
    sql`INSERT INTO subscriber_import_rejections (import_id, row, email, reason)
      SELECT ${imp.id}, json_extract(value, '$.row'), json_extract(value, '$.email'), json_extract(value, '$.reason') FROM json_each(${JSON.stringify(rejected)})
      WHERE true ON CONFLICT DO NOTHING`,
    db
      .update(subscriberImports)
      .set({
        status: done ? "done" : "running",
        offset: imp.offset + consumedBytes,
        nextRow: firstRow + rows.length,
        columns: header,
        added: sql`${subscriberImports.added} + ${added.length}`,
        updated: sql`${subscriberImports.updated} + ${updated.length}`,
        rejected: sql`${subscriberImports.rejected} + ${rejected.length}`,
        ...(done ? { finishedAt: new Date(now) } : {}),
      })
      .where(sql`${subscriberImports.id} = ${imp.id} AND ${subscriberImports.offset} = ${imp.offset}`),
  ]);
  // Read to the end: the file (every address in it) is not kept once its rows are in, so erasing a
  // person later leaves no copy behind in storage.
  if (done) await bucket.delete(imp.r2Key);
  return !done;
}

async function fail(db: Db, bucket: R2Bucket, imp: SubscriberImport, error: string): Promise<false> {
  await db.update(subscriberImports).set({ status: "failed", error, finishedAt: new Date() }).where(eq(subscriberImports.id, imp.id));
  await bucket.delete(imp.r2Key);
  return false;
}
