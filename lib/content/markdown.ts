import { marked } from "marked";
import { sanitizeHtml } from "../html/sanitize";

/**
 * Markdown bodies to HTML that is safe to insert into our pages: marked renders (raw HTML inside
 * Markdown included), then the allowlist sanitizer removes anything executable.
 */
export function renderMarkdown(markdown: string): string {
  return sanitizeHtml(marked.parse(markdown, { async: false, gfm: true }));
}
