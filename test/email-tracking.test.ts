/**
 * Opens and clicks: off by default (the message carries the original links and no pixel), per
 * workspace when turned on (a pixel and signed redirect links, the unsubscribe link never tracked),
 * each recorded once per delivery, and the redirect goes only where the signed token says: a forged,
 * tampered, foreign or non-http token gets a 404, never a redirect.
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { clickToken, openToken } from "../lib/email/links";
import { configureEmail, drain, mailbox } from "./email.support";
import { api, createToken, createWorkspace, ORIGIN, signUp } from "./support/client";

type Mail = { to: string; html: string; text: string };

const LINK = "https://acme.test/launch?utm_source=news&x=1";
const get = (url: string) => exports.default.fetch(new Request(url.startsWith("http") ? url : ORIGIN + url, { redirect: "manual" }));
const delivery = (id: string) => env.DB.prepare("SELECT opened_at AS openedAt, clicked_at AS clickedAt, subscriber_id AS subscriberId FROM email_deliveries WHERE id = ?").bind(id).first<{ openedAt: number | null; clickedAt: number | null; subscriberId: string }>();

let w: { token: string; workspaceId: string; listId: string; newsletterId: string; apiKey: string };

async function sendAndRead(to: string): Promise<Mail> {
  const r = await api(w.token, "POST", `/workspaces/${w.workspaceId}/newsletters/${w.newsletterId}/sends`, { listId: w.listId });
  expect(r.status, await r.clone().text()).toBe(202);
  const sendId = ((await r.json()) as { id: string }).id;
  await drain({ type: "email.send", sendId }, async () => (await env.DB.prepare("SELECT status FROM email_sends WHERE id = ?").bind(sendId).first<{ status: string }>())!.status === "sent");
  const mail = (await mailbox<Mail>("sendgrid", w.apiKey)).filter((m) => m.to === to);
  return mail.at(-1)!;
}

beforeAll(async () => {
  const owner = await signUp("Tia");
  const workspaceId = await createWorkspace(owner, "Tracked");
  const token = await createToken(owner, workspaceId, "write");
  const apiKey = await configureEmail(token, workspaceId);
  const item = await api(token, "POST", `/workspaces/${workspaceId}/content`, { kind: "newsletter", title: "Launch", body: `Read [the launch post](${LINK}).` });
  const contentId = ((await item.json()) as { id: string }).id;
  const listId = ((await (await api(token, "POST", `/workspaces/${workspaceId}/lists`, { name: "All" })).json()) as { id: string }).id;
  const created = await api(token, "POST", `/workspaces/${workspaceId}/newsletters`, { subject: "Launch", intro: "Hello {{first_name|there}},", contentIds: [contentId] });
  const newsletterId = ((await created.json()) as { id: string }).id;
  const added = await api(token, "POST", `/workspaces/${workspaceId}/subscribers`, { email: "tracked@example.com", firstName: "Tom", listIds: [listId], consentText: "Asked in person" });
  expect(added.status).toBe(201);
  w = { token, workspaceId, listId, newsletterId, apiKey };
});

describe("open and click tracking", () => {
  it("is off by default: the original links, no pixel, no redirect", async () => {
    const { settings } = (await (await api(w.token, "GET", `/workspaces/${w.workspaceId}/email-settings`)).json()) as { settings: { trackingEnabled: boolean } };
    expect(settings.trackingEnabled).toBe(false);
    const mail = await sendAndRead("tracked@example.com");
    expect(mail.html).toContain(`href="${LINK.replace(/&/g, "&amp;")}"`);
    expect(mail.html).not.toContain("/email/o/");
    expect(mail.html).not.toContain("/email/c/");
  });

  describe("turned on for the workspace", () => {
    let mail: Mail;
    let click: string;
    let pixel: string;
    beforeAll(async () => {
      const saved = await api(w.token, "PUT", `/workspaces/${w.workspaceId}/email-settings`, {
        provider: "sendgrid",
        fromEmail: "news@acme.test",
        fromName: "Acme News",
        unsubscribeMailto: "unsubscribe@acme.test",
        ratePerSecond: 10_000,
        trackingEnabled: true,
      });
      expect(saved.status, await saved.clone().text()).toBe(200);
      mail = await sendAndRead("tracked@example.com");
      click = mail.html.match(/href="(https:\/\/engine\.test\/email\/c\/[\w.-]+)"/)![1]!;
      pixel = mail.html.match(/<img src="(https:\/\/engine\.test\/email\/o\/[\w.-]+)"/)![1]!;
    });

    it("rewrites content links to signed redirects and adds a pixel, but never tracks unsubscribing", async () => {
      expect(mail.html).not.toContain(`href="${LINK.replace(/&/g, "&amp;")}"`);
      expect(mail.html).toMatch(/href="https:\/\/engine\.test\/email\/unsubscribe\/[\w.-]+"/);
      expect(mail.text).toContain(LINK);
    });

    it("redirects a click to exactly the signed URL and records it once", async () => {
      const first = await get(click);
      expect(first.status).toBe(302);
      expect(first.headers.get("location")).toBe(LINK);
      const deliveryId = JSON.parse(atob(click.split("/").pop()!.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).d as string;
      const recorded = await delivery(deliveryId);
      expect(recorded!.clickedAt).toEqual(expect.any(Number));
      const engaged = await env.DB.prepare("SELECT last_engaged_at AS at FROM subscribers WHERE id = ?").bind(recorded!.subscriberId).first<{ at: number }>();
      expect(engaged!.at).toBe(recorded!.clickedAt);
      await new Promise((r) => setTimeout(r, 5));
      const again = await get(click);
      expect(again.headers.get("location")).toBe(LINK);
      expect((await delivery(deliveryId))!.clickedAt).toBe(recorded!.clickedAt);
    });

    it("serves the pixel and records the open once", async () => {
      const first = await get(pixel);
      expect(first.status).toBe(200);
      expect(first.headers.get("content-type")).toBe("image/gif");
      expect(first.headers.get("cache-control")).toBe("no-store");
      const deliveryId = JSON.parse(atob(pixel.split("/").pop()!.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).d as string;
      const openedAt = (await delivery(deliveryId))!.openedAt;
      expect(openedAt).toEqual(expect.any(Number));
      await new Promise((r) => setTimeout(r, 5));
      await get(pixel);
      expect((await delivery(deliveryId))!.openedAt).toBe(openedAt);
    });

    it("counts the day's deliveries, first opens and first clicks for analytics, each once", async () => {
      const daily = await env.DB.prepare("SELECT sum(delivered) AS delivered, sum(opened) AS opened, sum(clicked) AS clicked FROM email_daily WHERE workspace_id = ?").bind(w.workspaceId).first();
      const sent = await env.DB.prepare("SELECT count(*) AS n FROM email_deliveries WHERE workspace_id = ? AND status = 'sent'").bind(w.workspaceId).first<{ n: number }>();
      expect(sent!.n).toBeGreaterThan(0);
      // The click and the open above were each repeated; they count once.
      expect(daily).toEqual({ delivered: sent!.n, opened: 1, clicked: 1 });
    });

    it("is no open redirect: forged, tampered, foreign and non-http tokens get a 404", async () => {
      const [header, payload, signature] = click.split("/").pop()!.split(".");
      const claims = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
      const evil = btoa(JSON.stringify({ ...claims, u: "https://evil.example/phish" })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      const attempts = [
        `/email/c/${header}.${evil}.${signature}`, // the URL swapped, the signature kept
        `/email/c/${await clickToken("another-secret-another-secret-0123456789", claims.d, "https://evil.example/")}`, // signed with another key
        `/email/c/${pixel.split("/").pop()}`, // an open token is not a click token
        `/email/c/${await clickToken(env.SESSION_SECRET, claims.d, "javascript:alert(1)")}`, // ours, but not http(s)
        `/email/c/${await clickToken(env.SESSION_SECRET, claims.d, "//evil.example/")}`,
        "/email/c/not-a-token",
      ];
      for (const path of attempts) {
        const response = await get(path);
        expect(response.status, path).toBe(404);
        expect(response.headers.get("location"), path).toBeNull();
      }
      // A forged pixel records nothing and still answers with the image (mail clients show it).
      const forgedOpen = await get(`/email/o/${await openToken("another-secret-another-secret-0123456789", claims.d)}`);
      expect(forgedOpen.status).toBe(200);
    });
  });

  it("stays off for another workspace", async () => {
    const owner = await signUp("Una");
    const other = await createWorkspace(owner, "Untracked");
    const token = await createToken(owner, other, "write");
    await configureEmail(token, other);
    const { settings } = (await (await api(token, "GET", `/workspaces/${other}/email-settings`)).json()) as { settings: { trackingEnabled: boolean } };
    expect(settings.trackingEnabled).toBe(false);
  });
});
