import { describe, expect, it } from "vitest";
import { PERMISSIONS, ROLES, can, type Permission } from "../lib/domain/roles";
import doc from "../docs/PERMISSIONS.md?raw";

describe("docs/PERMISSIONS.md", () => {
  it("has one row per permission that matches the enforced table exactly", () => {
    const rows = doc
      .split("\n")
      .filter((line) => /^\| [a-z]+\.[a-z]+ \|/.test(line))
      .map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
    expect(rows.map((r) => r[0]).sort()).toEqual(Object.keys(PERMISSIONS).sort());
    for (const [name, kind, ...cells] of rows) {
      const permission = name as Permission;
      expect(kind, name).toBe(PERMISSIONS[permission].kind);
      ROLES.forEach((role, i) => expect(cells[i], `${name} for ${role}`).toBe(can(role, permission) ? "yes" : "no"));
      expect(cells[ROLES.length], name).toBe(PERMISSIONS[permission].description);
    }
  });
});
