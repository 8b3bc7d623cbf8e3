/**
 * CSV in and out with Papa Parse (RFC 4180: quoted fields, embedded commas, quotes and line breaks,
 * CRLF or LF). Imports read the file in chunks; a chunk ends on a row boundary, so a row is never
 * split between two chunks.
 */
import Papa from "papaparse";

/** Header names to the subscriber fields they fill; other columns become custom attributes. */
const FIELD_NAMES: Record<string, "email" | "first_name" | "last_name" | "tags"> = {
  email: "email",
  "e-mail": "email",
  "email address": "email",
  mail: "email",
  first_name: "first_name",
  firstname: "first_name",
  "first name": "first_name",
  given_name: "first_name",
  last_name: "last_name",
  lastname: "last_name",
  "last name": "last_name",
  surname: "last_name",
  family_name: "last_name",
  tags: "tags",
};

export const fieldOf = (header: string) => FIELD_NAMES[header.trim().toLowerCase()] ?? null;

export type ParsedChunk = {
  rows: string[][];
  /** Characters of `text` consumed by complete rows. */
  consumed: number;
};

/**
 * The complete rows at the start of `text`, at most `limit` of them. When `final` is false the
 * text is a window of a longer file, and a last row without its line break may be cut: it is left
 * for the next window.
 */
export function parseRows(text: string, limit: number, final: boolean): ParsedChunk {
  const rows: string[][] = [];
  let consumed = 0;
  let full = false;
  Papa.parse<string[]>(text, {
    skipEmptyLines: false,
    step(result, parser) {
      const end = result.meta.cursor;
      const complete = final || end < text.length;
      if (!complete || rows.length >= limit) {
        full = rows.length >= limit;
        parser.abort();
        return;
      }
      rows.push(result.data);
      consumed = end;
    },
  });
  if (final && !full) consumed = text.length;
  return { rows, consumed };
}

export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  return Papa.unparse({ fields: header, data: rows.map((r) => r.map((v) => (v === null ? "" : String(v)))) }, { newline: "\r\n", escapeFormulae: true });
}
