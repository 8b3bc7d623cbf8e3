/** OPML import and export of a workspace's feed sources (the format itself: lib/feeds/opml.ts). */
import type { Db } from "../../../lib/db/client";
import { OpmlError, readOpml, writeOpml } from "../../../lib/feeds/opml";
import { AppError } from "../../../lib/http/errors";
import type { WorkspaceAccess } from "../types";
import { createSource, listSources, sourceInput } from "./service";

/** More feeds than this in one file is not a reading list but a crawl; the rest are reported. */
const MAX_IMPORT = 500;

export type ImportReport = { added: number; skipped: { url: string; reason: string }[] };

/** Adds every feed of the file it can; each one refused is reported with its reason, none silently. */
export async function importOpml(db: Db, access: WorkspaceAccess, xml: string): Promise<ImportReport> {
  let feeds;
  try {
    feeds = readOpml(xml).feeds;
  } catch (err) {
    if (!(err instanceof OpmlError)) throw err;
    throw new AppError(422, "invalid_request", `file: ${err.message}`, { file: "is not an OPML file" });
  }
  const existing = new Set((await listSources(db, access)).map((s) => s.url));
  const report: ImportReport = { added: 0, skipped: [] };
  for (const [index, feed] of feeds.entries()) {
    if (index >= MAX_IMPORT) {
      report.skipped.push({ url: feed.url, reason: `over ${MAX_IMPORT} feeds in one file` });
      continue;
    }
    const parsed = sourceInput.safeParse({ kind: "feed", url: feed.url, name: feed.title ?? undefined });
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

/** The feed-like sources (feeds, YouTube channels, Google Trends) as an OPML file. */
export async function exportOpml(db: Db, access: WorkspaceAccess): Promise<string> {
  const feeds = (await listSources(db, access)).filter((s) => s.kind === "feed" || s.kind === "youtube" || s.kind === "google_trends");
  return writeOpml({
    title: `${access.workspace.name} sources`,
    feeds: feeds.map((s) => ({ url: s.url, title: s.name, siteUrl: null, category: null })),
  });
}
