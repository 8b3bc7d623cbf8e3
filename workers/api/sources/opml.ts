/** OPML, the format feed readers exchange subscriptions in: import creates feed sources, export lists them. */
import { generateOpml, parseOpml } from "feedsmith";
import type { Db } from "../../../lib/db/client";
import { AppError } from "../../../lib/http/errors";
import type { WorkspaceAccess } from "../types";
import { createSource, listSources, sourceInput } from "./service";

type Outline = { text?: string; title?: string; xmlUrl?: string; outlines?: Outline[] };

function feedsOf(outlines: Outline[]): { name?: string; url: string }[] {
  return outlines.flatMap((o) => [...(o.xmlUrl ? [{ name: o.title ?? o.text, url: o.xmlUrl }] : []), ...feedsOf(o.outlines ?? [])]);
}

export type ImportReport = { added: number; skipped: { url: string; reason: string }[] };

/** Adds every feed of the file it can; each one refused is reported with its reason, none silently. */
export async function importOpml(db: Db, access: WorkspaceAccess, xml: string): Promise<ImportReport> {
  let outlines: Outline[];
  try {
    outlines = ((parseOpml(xml) as { body?: { outlines?: Outline[] } }).body?.outlines ?? []) as Outline[];
  } catch (err) {
    throw new AppError(422, "invalid_request", `file: not an OPML file (${err instanceof Error ? err.message : String(err)})`, { file: "is not an OPML file" });
  }
  const existing = new Set((await listSources(db, access)).map((s) => s.url));
  const report: ImportReport = { added: 0, skipped: [] };
  for (const feed of feedsOf(outlines).slice(0, 500)) {
    const parsed = sourceInput.safeParse({ kind: "feed", url: feed.url, name: feed.name });
    if (!parsed.success) report.skipped.push({ url: feed.url, reason: parsed.error.issues[0]!.message });
    else if (existing.has(parsed.data.url)) report.skipped.push({ url: feed.url, reason: "already a source" });
    else {
      await createSource(db, access, parsed.data);
      existing.add(parsed.data.url);
      report.added++;
    }
  }
  return report;
}

export async function exportOpml(db: Db, access: WorkspaceAccess): Promise<string> {
  const feeds = (await listSources(db, access)).filter((s) => s.kind === "feed" || s.kind === "youtube" || s.kind === "google_trends");
  return generateOpml({
    head: { title: `${access.workspace.name} sources` },
    body: { outlines: feeds.map((s) => ({ text: s.name, title: s.name, type: "rss", xmlUrl: s.url })) },
  });
}
