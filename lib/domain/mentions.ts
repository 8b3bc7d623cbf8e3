/**
 * @mentions in comments. A member can be mentioned by their first name, their full name without
 * spaces, or the local part of their email (`@ada`, `@adalovelace`, `@ada.l`), case-insensitively.
 * A handle two members share mentions neither (better no notification than the wrong person);
 * email addresses and code spans are not mentions.
 */
export type Mentionable = { id: string; name: string; email: string };

function handlesOf(member: Mentionable): string[] {
  const name = member.name.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
  const first = name.split(/\s+/)[0] ?? "";
  return [...new Set([first, name.replace(/\s+/g, ""), member.email.toLowerCase().split("@")[0] ?? ""])].filter(Boolean);
}

export function parseMentions(body: string, members: Mentionable[]): string[] {
  const text = body.replace(/`[^`]*`/g, " ");
  const owners = new Map<string, Set<string>>();
  for (const member of members) {
    for (const handle of handlesOf(member)) owners.set(handle, (owners.get(handle) ?? new Set()).add(member.id));
  }
  const found = new Set<string>();
  for (const match of text.matchAll(/(?<![\p{L}\p{N}._%+-])@([\p{L}\p{N}][\p{L}\p{N}._-]*)/gu)) {
    const handle = match[1]!.toLowerCase().replace(/[._-]+$/, "");
    const ids = owners.get(handle);
    if (ids?.size === 1) found.add([...ids][0]!);
  }
  return [...found];
}
