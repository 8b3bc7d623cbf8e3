/**
 * Newsletters from content items: preview with personalisation fallbacks, test sends, and sends
 * through the publisher's real `email` queue handler to each provider's fake, with the RFC 8058
 * headers on every message, suppression respected, pause, resume and cancel, clear 4xx for bad
 * input, and tenant isolation of every route.
 */
import { env } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { beforeAll, describe, expect, it } from "vitest";
import { buildMime } from "../lib/email/mime";
import { configureEmail, drain, mailbox } from "./email.support";
import { api, createToken, createWorkspace, signUp } from "./support/client";

type Mail = { to: string; subject: string; text: string; html: string; headers: Record<string, string> };

async function workspaceWith(provider: "sendgrid" | "resend" | "postmark") {
  const owner = await signUp("Nora");
  const workspaceId = await createWorkspace(owner, `News ${provider}`);
  const token = await createToken(owner, workspaceId, "write");
  const apiKey = await configureEmail(token, workspaceId, provider);
  const item = await api(token, "POST", `/workspaces/${workspaceId}/content`, { kind: "newsletter", title: "Our launch", body: "We **shipped** the engine. [Read more](https://acme.test/launch)" });
  expect(item.status, await item.clone().text()).toBe(201);
  const contentId = ((await item.json()) as { id: string }).id;
  const list = await api(token, "POST", `/workspaces/${workspaceId}/lists`, { name: "All" });
  const listId = ((await list.json()) as { id: string }).id;
  const created = await api(token, "POST", `/workspaces/${workspaceId}/newsletters`, { subject: "News for {{first_name|you}}", preheader: "The launch, in short", intro: "Hello {{first_name|there}},", contentIds: [contentId] });
  expect(created.status, await created.clone().text()).toBe(201);
  const newsletterId = ((await created.json()) as { id: string }).id;
  return { owner, workspaceId, token, apiKey, contentId, listId, newsletterId };
}

async function subscribe(token: string, workspaceId: string, listId: string, people: [string, string | null][]) {
  const ids: Record<string, string> = {};
  for (const [email, firstName] of people) {
    const r = await api(token, "POST", `/workspaces/${workspaceId}/subscribers`, { email, firstName: firstName ?? undefined, listIds: [listId], consentText: "Asked at the event" });
    expect(r.status).toBe(201);
    ids[email] = ((await r.json()) as { id: string }).id;
  }
  return ids;
}

const sendDone = (sendId: string) => async () => {
  const row = await env.DB.prepare("SELECT status FROM email_sends WHERE id = ?").bind(sendId).first<{ status: string }>();
  return ["sent", "cancelled", "failed", "paused"].includes(row!.status);
};

async function startSend(token: string, workspaceId: string, newsletterId: string, body: Record<string, unknown>) {
  const r = await api(token, "POST", `/workspaces/${workspaceId}/newsletters/${newsletterId}/sends`, body);
  expect(r.status, await r.clone().text()).toBe(202);
  return ((await r.json()) as { id: string }).id;
}

async function expectRfc8058(mail: Mail) {
  // The message as the provider was asked to deliver it, read back with a MIME parser.
  const parsed = await PostalMime.parse(buildMime({ from: { email: "news@acme.test" }, to: { email: mail.to }, subject: mail.subject, html: mail.html, text: mail.text, headers: mail.headers }));
  const header = (name: string) => parsed.headers.find((h) => h.key === name)?.value ?? "";
  expect(header("list-unsubscribe"), mail.to).toMatch(/^<https:\/\/engine\.test\/email\/unsubscribe\/[\w.-]+>, <mailto:unsubscribe@acme\.test\?subject=unsubscribe-sub_\w+>$/);
  expect(header("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
  expect(parsed.text).toContain(header("list-unsubscribe").match(/<(https:[^>]+)>/)![1]);
}

describe("building a newsletter", () => {
  let w: Awaited<ReturnType<typeof workspaceWith>>;
  beforeAll(async () => {
    w = await workspaceWith("sendgrid");
  });

  it("previews HTML and text built from the content, with fallbacks for missing names", async () => {
    const anonymous = (await (await api(w.token, "GET", `/workspaces/${w.workspaceId}/newsletters/${w.newsletterId}/preview`)).json()) as { subject: string; html: string; text: string };
    expect(anonymous.subject).toBe("News for you");
    expect(anonymous.html).toContain("Hello there,");
    expect(anonymous.html).toContain("<strong>shipped</strong>");
    expect(anonymous.html).toContain("The launch, in short");
    expect(anonymous.html).toContain("1 Main Street, Springfield");
    expect(anonymous.text).toContain("Our launch\n==========");
    expect(anonymous.text).toContain("Unsubscribe: #unsubscribe");
    const ada = (await (await api(w.token, "GET", `/workspaces/${w.workspaceId}/newsletters/${w.newsletterId}/preview?firstName=Ada`)).json()) as { subject: string; html: string };
    expect(ada.subject).toBe("News for Ada");
    const page = await w.owner.get(`/w/${w.workspaceId}/newsletters/${w.newsletterId}/preview?first_name=Ada`);
    expect(await page.text()).toContain("Hello Ada,");
  });

  it("sends a test, marked as such, with the unsubscribe headers", async () => {
    const r = await api(w.token, "POST", `/workspaces/${w.workspaceId}/newsletters/${w.newsletterId}/test`, { to: ["editor@acme.test"] });
    expect(r.status, await r.clone().text()).toBe(200);
    const mail = (await mailbox<Mail>("sendgrid", w.apiKey)).filter((m) => m.to === "editor@acme.test");
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toBe("[Test] News for you");
    expect(mail[0]!.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
  });

  it("answers bad input with a clear 4xx", async () => {
    const fields = async (r: Response) => ((await r.json()) as { error: { fields?: Record<string, string> } }).error.fields ?? {};
    const base = `/workspaces/${w.workspaceId}`;
    expect(await fields(await api(w.token, "POST", `${base}/newsletters`, { subject: "" }))).toHaveProperty("subject");
    expect(await fields(await api(w.token, "POST", `${base}/newsletters`, { subject: "x", contentIds: ["cnt_other"] }))).toHaveProperty("contentIds");
    expect(await fields(await api(w.token, "POST", `${base}/newsletters/${w.newsletterId}/test`, { to: ["nope"] }))).toHaveProperty("to");
    expect(await fields(await api(w.token, "POST", `${base}/newsletters/${w.newsletterId}/sends`, { listId: "lst_nope" }))).toHaveProperty("listId");
    expect(await fields(await api(w.token, "POST", `${base}/newsletters/${w.newsletterId}/sends`, { scheduledAt: "tomorrow" }))).toHaveProperty("scheduledAt");
    expect(await fields(await api(w.token, "PUT", `${base}/email-settings`, { provider: "mailchimp" }))).toHaveProperty("provider");
    expect(await fields(await api(w.token, "PUT", `${base}/email-settings`, { provider: "resend", fromEmail: "a@b.test", fromName: "A", unsubscribeMailto: "u@b.test", ratePerSecond: 5 }))).toHaveProperty("apiKey");
    expect((await api(w.token, "POST", `${base}/sends/snd_nope/pause`)).status).toBe(404);
  });
});

describe.each(["sendgrid", "resend", "postmark"] as const)("a send through %s", (provider) => {
  it("mails every subscribed person once, personalised, with RFC 8058 headers, and nobody suppressed", async () => {
    const w = await workspaceWith(provider);
    const ids = await subscribe(w.token, w.workspaceId, w.listId, [
      ["ada@example.com", "Ada"],
      ["bob@example.com", null],
      ["cy@example.com", "Cy"],
      ["gone@example.com", "Gone"],
      ["other-list@example.com", "Other"],
    ]);
    await api(w.token, "POST", `/workspaces/${w.workspaceId}/subscribers/${ids["gone@example.com"]}/unsubscribe`);
    const moved = await api(w.token, "PATCH", `/workspaces/${w.workspaceId}/subscribers/${ids["other-list@example.com"]}`, { listIds: [] });
    expect(moved.status, await moved.clone().text()).toBe(200);
    const sendId = await startSend(w.token, w.workspaceId, w.newsletterId, { listId: w.listId });
    await drain({ type: "email.send", sendId }, sendDone(sendId));
    const progress = (await (await api(w.token, "GET", `/workspaces/${w.workspaceId}/sends/${sendId}`)).json()) as { status: string; total: number; counts: Record<string, number> };
    expect(progress).toMatchObject({ status: "sent", total: 3, counts: { sent: 3, queued: 0, sending: 0, failed: 0 } });
    const mail = await mailbox<Mail>(provider, w.apiKey);
    expect(mail.map((m) => m.to).sort()).toEqual(["ada@example.com", "bob@example.com", "cy@example.com"]);
    for (const m of mail) await expectRfc8058(m);
    expect(mail.find((m) => m.to === "ada@example.com")!.subject).toBe("News for Ada");
    expect(mail.find((m) => m.to === "bob@example.com")!.html).toContain("Hello there,");
    expect(mail.find((m) => m.to === "cy@example.com")!.text).toContain("Hello Cy,");
  });
});

describe("controlling a send", () => {
  it("skips whoever unsubscribes after the send started, and pauses, resumes and cancels", async () => {
    const w = await workspaceWith("sendgrid");
    const ids = await subscribe(w.token, w.workspaceId, w.listId, [
      ["p1@example.com", null],
      ["p2@example.com", null],
      ["late@example.com", null],
    ]);
    const sendId = await startSend(w.token, w.workspaceId, w.newsletterId, { listId: w.listId });
    const paused = await api(w.token, "POST", `/workspaces/${w.workspaceId}/sends/${sendId}/pause`);
    expect(paused.status).toBe(409); // not started yet: only a sending send pauses
    // The first run prepares the deliveries; pausing right after stops it before any batch.
    await env.DB.prepare("UPDATE email_sends SET status = 'preparing' WHERE id = ?").bind(sendId).run();
    expect((await api(w.token, "POST", `/workspaces/${w.workspaceId}/sends/${sendId}/pause`)).status).toBe(200);
    await drain({ type: "email.send", sendId }, sendDone(sendId), 1);
    expect(await mailbox("sendgrid", w.apiKey)).toHaveLength(0);
    await api(w.token, "POST", `/workspaces/${w.workspaceId}/subscribers/${ids["late@example.com"]}/unsubscribe`);
    const resumed = (await (await api(w.token, "POST", `/workspaces/${w.workspaceId}/sends/${sendId}/resume`)).json()) as { status: string };
    expect(resumed.status).toBe("preparing");
    await drain({ type: "email.send", sendId }, sendDone(sendId));
    expect((await mailbox<Mail>("sendgrid", w.apiKey)).map((m) => m.to).sort()).toEqual(["p1@example.com", "p2@example.com"]);
    expect((await api(w.token, "POST", `/workspaces/${w.workspaceId}/sends/${sendId}/cancel`)).status).toBe(409);

    // Unsubscribed after the deliveries were written (as the consumer writes them when a send
    // starts): skipped at their turn, never mailed.
    const second = await startSend(w.token, w.workspaceId, w.newsletterId, { listId: w.listId });
    await env.DB.prepare("UPDATE email_sends SET status = 'sending', total = 3 WHERE id = ?").bind(second).run();
    for (const email of ["p1@example.com", "p2@example.com", "late@example.com"]) {
      await env.DB.prepare("INSERT INTO email_deliveries (id, workspace_id, send_id, subscriber_id, email, status) VALUES (?, ?, ?, ?, ?, 'queued')").bind(`dlv_${email.split("@")[0]}`, w.workspaceId, second, ids[email], email).run();
    }
    await drain({ type: "email.send", sendId: second }, sendDone(second));
    const progress = (await (await api(w.token, "GET", `/workspaces/${w.workspaceId}/sends/${second}`)).json()) as { status: string; counts: Record<string, number> };
    expect(progress).toMatchObject({ status: "sent", counts: { sent: 2, skipped: 1 } });
    expect((await mailbox<Mail>("sendgrid", w.apiKey)).filter((m) => m.to === "late@example.com")).toHaveLength(0);

    // A scheduled send waits for its time and can be cancelled before it.
    const later = await startSend(w.token, w.workspaceId, w.newsletterId, { listId: w.listId, scheduledAt: new Date(Date.now() + 86_400_000).toISOString() });
    await drain({ type: "email.send", sendId: later }, async () => true, 1);
    expect((await env.DB.prepare("SELECT status FROM email_sends WHERE id = ?").bind(later).first<{ status: string }>())!.status).toBe("scheduled");
    const cancelled = (await (await api(w.token, "POST", `/workspaces/${w.workspaceId}/sends/${later}/cancel`)).json()) as { status: string };
    expect(cancelled.status).toBe("cancelled");
  });

  it("is scheduled like a post: at a wall-clock time in the workspace's zone, shown in it", async () => {
    const w = await workspaceWith("sendgrid");
    await env.DB.prepare("UPDATE workspaces SET timezone = 'Europe/Paris' WHERE id = ?").bind(w.workspaceId).run();
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const started = await w.owner.post(`/w/${w.workspaceId}/newsletters/${w.newsletterId}/send`, { listId: w.listId, segmentId: "", scheduledAt: `${day}T09:30` });
    expect(started.status, await started.clone().text()).toBe(303);
    const sendId = started.headers.get("location")!.split("/").pop()!;
    const row = await env.DB.prepare("SELECT status, scheduled_at AS at FROM email_sends WHERE id = ?").bind(sendId).first<{ status: string; at: number }>();
    const parisOffsetHours = new Date(`${day}T12:00:00Z`).toLocaleString("en-US", { timeZone: "Europe/Paris", hour: "numeric", hourCycle: "h23" }) === "13" ? 1 : 2;
    expect(row).toEqual({ status: "scheduled", at: Date.parse(`${day}T09:30:00Z`) - parisOffsetHours * 3_600_000 });
    const page = await (await w.owner.get(`/w/${w.workspaceId}/newsletters/sends/${sendId}`)).text();
    expect(page).toContain(`for ${day} 09:30 Europe/Paris`);
    // Not run before its time; cancelled, it never runs.
    await drain({ type: "email.send", sendId }, async () => true, 1);
    expect((await env.DB.prepare("SELECT status FROM email_sends WHERE id = ?").bind(sendId).first<{ status: string }>())!.status).toBe("scheduled");
    expect((await w.owner.post(`/w/${w.workspaceId}/newsletters/sends/${sendId}/cancel`, {})).status).toBe(303);
  });

  it("shows live progress with pause, resume and cancel in the UI", async () => {
    const w = await workspaceWith("sendgrid");
    await subscribe(w.token, w.workspaceId, w.listId, [["ui@example.com", null]]);
    const started = await w.owner.post(`/w/${w.workspaceId}/newsletters/${w.newsletterId}/send`, { listId: w.listId, segmentId: "", scheduledAt: "" });
    expect(started.status).toBe(303);
    const sendPage = started.headers.get("location")!;
    const html = await (await w.owner.get(sendPage)).text();
    expect(html).toContain('hx-trigger="every 2s"');
    expect(html).toContain("<progress");
    const sendId = sendPage.split("/").pop()!;
    await drain({ type: "email.send", sendId }, sendDone(sendId));
    const fragment = await (await w.owner.get(`${sendPage}/progress`, { htmx: true })).text();
    expect(fragment).toContain("100%");
    expect(fragment).not.toContain("hx-trigger");
  });
});

describe("tenancy", () => {
  it("answers 404 to another workspace on every newsletter route", async () => {
    const w = await workspaceWith("sendgrid");
    const sendId = await startSend(w.token, w.workspaceId, w.newsletterId, {});
    const stranger = await signUp("Sid");
    const theirs = await createWorkspace(stranger, "Theirs");
    const strangerToken = await createToken(stranger, theirs, "write");
    const ws = w.workspaceId;
    const routes: [string, string, unknown?][] = [
      ["GET", `/workspaces/${ws}/newsletters`],
      ["POST", `/workspaces/${ws}/newsletters`, { subject: "x" }],
      ["GET", `/workspaces/${ws}/newsletters/${w.newsletterId}`],
      ["PUT", `/workspaces/${ws}/newsletters/${w.newsletterId}`, { subject: "x" }],
      ["GET", `/workspaces/${ws}/newsletters/${w.newsletterId}/preview`],
      ["POST", `/workspaces/${ws}/newsletters/${w.newsletterId}/test`, { to: ["a@example.com"] }],
      ["POST", `/workspaces/${ws}/newsletters/${w.newsletterId}/sends`, {}],
      ["GET", `/workspaces/${ws}/sends/${sendId}`],
      ["POST", `/workspaces/${ws}/sends/${sendId}/pause`],
      ["POST", `/workspaces/${ws}/sends/${sendId}/resume`],
      ["POST", `/workspaces/${ws}/sends/${sendId}/cancel`],
      ["GET", `/workspaces/${ws}/email-settings`],
      ["PUT", `/workspaces/${ws}/email-settings`, { provider: "sendgrid" }],
    ];
    for (const [method, path, body] of routes) expect((await api(strangerToken, method, path, body)).status, `${method} ${path}`).toBe(404);
    expect((await api(strangerToken, "GET", `/workspaces/${theirs}/newsletters/${w.newsletterId}`)).status).toBe(404);
    expect((await api(strangerToken, "GET", `/workspaces/${theirs}/sends/${sendId}`)).status).toBe(404);
    expect((await api(strangerToken, "POST", `/workspaces/${theirs}/sends/${sendId}/cancel`)).status).toBe(404);
    const ui = [
      `/w/${ws}/newsletters`,
      `/w/${ws}/newsletters/settings`,
      `/w/${ws}/newsletters/${w.newsletterId}`,
      `/w/${ws}/newsletters/${w.newsletterId}/preview`,
      `/w/${ws}/newsletters/sends/${sendId}`,
      `/w/${ws}/newsletters/sends/${sendId}/progress`,
    ];
    for (const path of ui) expect((await stranger.get(path)).status, path).toBe(404);
    const posts = [
      `/w/${ws}/newsletters`,
      `/w/${ws}/newsletters/${w.newsletterId}`,
      `/w/${ws}/newsletters/${w.newsletterId}/test`,
      `/w/${ws}/newsletters/${w.newsletterId}/send`,
      `/w/${ws}/newsletters/sends/${sendId}/pause`,
      `/w/${ws}/newsletters/sends/${sendId}/resume`,
      `/w/${ws}/newsletters/sends/${sendId}/cancel`,
      `/w/${ws}/newsletters/settings`,
    ];
    for (const path of posts) expect((await stranger.post(path, { subject: "x", to: "a@example.com" })).status, path).toBe(404);
    expect((await api(w.token, "GET", `/workspaces/${ws}/sends/${sendId}`)).status).toBe(200);
    expect((await stranger.get(`/w/${theirs}/newsletters/${w.newsletterId}`)).status).toBe(404);
    expect((await stranger.get(`/w/${theirs}/newsletters/sends/${sendId}`)).status).toBe(404);
  });
});
