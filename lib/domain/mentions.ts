/**
 * @mentions in comments. A member can be mentioned by their first name, their full name, or the
 * local part of their email (`@ada`, `@adalovelace`, `@ada.lovelace`, `@a.lovelace`), ignoring case,
 * accents and the separators `.`, `_` and `-`. A handle two members share mentions neither (better
 * no notification than the wrong person). Email addresses, links and code are not mentions.
 */
export type Mentionable = { id: string; name: string; email: string };

/** What a handle is compared by: `@Zoë.Ng` and `@zoeng` are the same handle. */
const handleKey = (handle: string) =>
  handle
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[\s._-]+/g, "");

function handlesOf(member: Mentionable): string[] {
  const first = member.name.trim().split(/\s+/)[0] ?? "";
  const local = member.email.split("@")[0]?.split("+")[0] ?? "";
  return [...new Set([first, member.name, local].map(handleKey))].filter(Boolean);
}

/** Fenced code blocks and inline code spans (a run of n backticks closed by a run of n). */
const CODE = /^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^ {0,3}\1[^\n]*$|(?![\s\S]))|(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\2(?!`)/gm;
/** `@` not inside a word, an email address, a URL or a path. */
const MENTION = /(?<![\p{L}\p{M}\p{N}._%+\-/:=@])@([\p{L}\p{M}\p{N}][\p{L}\p{M}\p{N}._-]*)/gu;

/** The ids of the members mentioned in a comment body, in order of first mention, each once. */
export function parseMentions(body: string, members: Mentionable[]): string[] {
  const owners = new Map<string, Set<string>>();
  for (const member of members) {
    for (const handle of handlesOf(member)) owners.set(handle, (owners.get(handle) ?? new Set()).add(member.id));
  }
  const found = new Set<string>();
  for (const match of body.replace(CODE, " ").matchAll(MENTION)) {
    const ids = owners.get(handleKey(match[1]!.replace(/[._-]+$/, "")));
    if (ids?.size === 1) found.add([...ids][0]!);
  }
  return [...found];
}
