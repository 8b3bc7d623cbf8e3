/**
 * A 100,000-row CSV uploaded through the import form: the request only stores the file and queues
 * it; the `email` queue reads it in chunks of at most 2,000 rows, one message each, so no invocation
 * comes near a time limit; the progress bar moves with every chunk; every bad row is reported with
 * its reason (even one found 90,000 rows after the row it repeats); and the file is deleted from R2
 * once read, so an address erased later has no copy left in storage.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CHUNK_ROWS } from "../workers/publisher/email/import";
import { drain } from "./email.support";
import { api, createToken, createWorkspace, ORIGIN, signUp } from "./support/client";

const ROWS = 100_000;

function bigCsv(): { csv: string; bad: number } {
  const lines = ["email,first_name,plan"];
  let bad = 0;
  for (let i = 0; i < ROWS; i++) {
    if (i % 1000 === 999) {
      lines.push(`not-an-address-${i},Bad,free`);
      bad++;
    } else if (i === 50_000) {
      // A quoted field with a comma and a line break: one row over two lines of the file.
      lines.push(`reader${i}@example.com,"Multi, line\nname",pro`);
    } else {
      lines.push(`reader${i}@example.com,Reader ${i},${i % 2 ? "free" : "pro"}`);
    }
  }
  // 90,000 rows after the address it repeats, in another chunk: still caught.
  lines.push("READER7@example.com,Again,free");
  return { csv: lines.join("\n") + "\n", bad: bad + 1 };
}

describe("importing 100,000 rows", { timeout: 180_000 }, () => {
  let token: string;
  let workspaceId: string;

  it("goes through the queue in chunks with a moving progress bar, and reports every bad row", async () => {
    const owner = await signUp("Imogen");
    workspaceId = await createWorkspace(owner, "Big list");
    token = await createToken(owner, workspaceId, "write");
    const listId = ((await (await api(token, "POST", `/workspaces/${workspaceId}/lists`, { name: "Everyone" })).json()) as { id: string }).id;
    const { csv, bad } = bigCsv();
    expect(csv.length).toBeGreaterThan(3_000_000);

    // The upload, as the browser's multipart form sends it.
    await owner.get(`/w/${workspaceId}/subscribers/import`);
    const form = new FormData();
    form.set("file", new File([csv], "everyone.csv", { type: "text/csv" }));
    form.set("listId", listId);
    form.set("consentText", "Customers who ticked the newsletter box at checkout");
    const uploaded = await exports.default.fetch(
      new Request(`${ORIGIN}/w/${workspaceId}/subscribers/import`, {
        method: "POST",
        body: form,
        redirect: "manual",
        headers: { cookie: [...owner.cookies].map(([k, v]) => `${k}=${v}`).join("; "), "x-csrf-token": owner.cookies.get("__Host-csrf")!, origin: ORIGIN, "sec-fetch-site": "same-origin" },
      }),
    );
    expect(uploaded.status, await uploaded.clone().text()).toBe(303);
    const page = uploaded.headers.get("location")!;
    const importId = page.split("/").pop()!;
    const queued = await env.DB.prepare("SELECT status, r2_key AS key FROM subscriber_imports WHERE id = ?").bind(importId).first<{ status: string; key: string }>();
    expect(queued!.status).toBe("queued");
    expect(await env.MEDIA.head(queued!.key)).not.toBeNull();

    const bars: number[] = [];
    let rounds = 0;
    await drain({ type: "email.import", importId }, async () => {
      rounds++;
      const html = await (await owner.get(`${page}/progress`, { htmx: true })).text();
      bars.push(Number(html.match(/<progress max="100" value="(\d+)"/)![1]));
      return html.includes("· done ·");
    });

    // One message per chunk of at most CHUNK_ROWS rows; the bar rises with each and ends at 100.
    expect(rounds).toBeGreaterThanOrEqual(Math.ceil(ROWS / CHUNK_ROWS));
    expect(bars.at(-1)).toBe(100);
    expect(bars.filter((b) => b > 0 && b < 100).length).toBeGreaterThan(40);
    expect(bars).toEqual([...bars].sort((a, b) => a - b));

    const report = (await (await api(token, "GET", `/workspaces/${workspaceId}/imports/${importId}`)).json()) as { status: string; added: number; rejected: number; rejections: { row: number; email: string; reason: string }[] };
    expect(report).toMatchObject({ status: "done", added: ROWS - bad + 1, rejected: bad });
    expect(report.rejections[0]).toEqual({ row: 1001, email: "not-an-address-999", reason: "not a valid email address" });
    expect(report.rejections.at(-1)).toEqual({ row: ROWS + 2, email: "READER7@example.com", reason: "duplicate of an earlier row in this file" });
    const members = await env.DB.prepare("SELECT COUNT(*) AS n FROM subscriber_lists WHERE list_id = ?").bind(listId).first<{ n: number }>();
    expect(members!.n).toBe(ROWS - bad + 1);
    const multi = await env.DB.prepare("SELECT first_name AS f FROM subscribers WHERE workspace_id = ? AND email_normalized = 'reader50000@example.com'").bind(workspaceId).first<{ f: string }>();
    expect(multi!.f).toBe("Multi, line\nname");
    const rejectedCsv = await (await owner.get(`${page}/rejections.csv`)).text();
    expect(rejectedCsv.trim().split("\r\n")).toHaveLength(1 + bad);
    // Read to the end, the file is gone from storage.
    expect(await env.MEDIA.head(queued!.key)).toBeNull();
  });

  it("updates 20,000 of those people from a second file in seconds, each chunk touching only its own rows", async () => {
    const lines = ["email,plan"];
    for (let i = 0; i < 20_000; i++) if (i % 1000 !== 999) lines.push(`Reader${i}@Example.com,gold`);
    const started = await api(token, "POST", `/workspaces/${workspaceId}/imports`, { csv: lines.join("\n"), consentText: "Customers who ticked the newsletter box at checkout" });
    expect(started.status, await started.clone().text()).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const began = Date.now();
    await drain({ type: "email.import", importId: id }, async () => (await env.DB.prepare("SELECT status FROM subscriber_imports WHERE id = ?").bind(id).first<{ status: string }>())!.status === "done");
    // Each chunk's update looks its 2,000 people up by id; matching them against all 100,000 of the
    // workspace instead (the plan SQLite picks by itself) takes minutes here.
    expect(Date.now() - began).toBeLessThan(60_000);
    const report = (await (await api(token, "GET", `/workspaces/${workspaceId}/imports/${id}`)).json()) as { added: number; updated: number; rejected: number };
    expect(report).toEqual(expect.objectContaining({ added: 0, updated: 19_980, rejected: 0 }));
    const gold = await env.DB.prepare("SELECT COUNT(*) AS n FROM subscribers WHERE workspace_id = ? AND json_extract(attributes, '$.plan') = 'gold'").bind(workspaceId).first<{ n: number }>();
    expect(gold!.n).toBe(19_980);
  });
});
