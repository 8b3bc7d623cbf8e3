/**
 * The email library on its own: SendGrid webhook signatures with a real P-256 key pair, the MIME of
 * every generated message read back with postal-mime (RFC 8058 headers), personalisation with
 * fallbacks, CSV chunking, address normalisation, secrets at rest.
 */
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { derToRaw, verifySignature } from "../workers/api/email-events/signature";
import { normalizeEmail } from "../lib/email/address";
import { parseRows, toCsv } from "../lib/email/csv";
import { readManageToken, readConfirmToken, confirmToken } from "../lib/email/links";
import { batchAsMime, buildBatch } from "../lib/email/outgoing";
import { personalise } from "../lib/email/personalise";
import { sealProviderKey, unsealProviderKey } from "../lib/email/secrets";
import { renderNewsletter } from "../lib/email/template";

const SECRET = "test-secret-test-secret-test-secret-0123456789";

function b64(bytes: ArrayBuffer | Uint8Array): string {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s);
}

/** r‖s to ASN.1 DER, the form SendGrid sends. */
function rawToDer(raw: Uint8Array): Uint8Array {
  const int = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let v = bytes.subarray(i);
    if (v[0]! & 0x80) v = Uint8Array.from([0, ...v]);
    return [0x02, v.length, ...v];
  };
  const body = [...int(raw.subarray(0, 32)), ...int(raw.subarray(32))];
  return Uint8Array.from([0x30, body.length, ...body]);
}

async function keyPair() {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const publicKey = b64((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
  const sign = async (timestamp: string, body: string) => {
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, new TextEncoder().encode(timestamp + body)));
    return b64(rawToDer(raw));
  };
  return { publicKey, sign };
}

describe("SendGrid Event Webhook signature", () => {
  const body = JSON.stringify([{ email: "ada@example.com", timestamp: 1795400000, event: "bounce", sg_event_id: "evt-1" }]);

  it("accepts a valid signature over timestamp + raw body", async () => {
    const { publicKey, sign } = await keyPair();
    const ts = String(Math.floor(Date.now() / 1000));
    expect(await verifySignature(publicKey, await sign(ts, body), ts, new TextEncoder().encode(body))).toEqual({ ok: true });
  });

  it("refuses a tampered body", async () => {
    const { publicKey, sign } = await keyPair();
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = await sign(ts, body);
    const verdict = await verifySignature(publicKey, signature, ts, new TextEncoder().encode(body.replace("bounce", "open")));
    expect(verdict).toEqual({ ok: false, reason: "signature does not match" });
  });

  it("refuses a stale timestamp even with a valid signature", async () => {
    const { publicKey, sign } = await keyPair();
    const ts = String(Math.floor(Date.now() / 1000) - 3600);
    const verdict = await verifySignature(publicKey, await sign(ts, body), ts, new TextEncoder().encode(body));
    expect(verdict.ok).toBe(false);
  });

  it("refuses another key's signature and a timestamp swapped after signing", async () => {
    const mine = await keyPair();
    const theirs = await keyPair();
    const ts = String(Math.floor(Date.now() / 1000));
    expect((await verifySignature(mine.publicKey, await theirs.sign(ts, body), ts, new TextEncoder().encode(body))).ok).toBe(false);
    const later = String(Number(ts) + 1);
    expect((await verifySignature(mine.publicKey, await mine.sign(ts, body), later, new TextEncoder().encode(body))).ok).toBe(false);
  });

  it("unpacks DER integers with leading zero bytes", () => {
    const raw = new Uint8Array(64).fill(0x80);
    raw[0] = 0;
    expect(derToRaw(rawToDer(raw))).toEqual(raw);
  });
});

describe("generated messages", () => {
  it("every message carries List-Unsubscribe (https and mailto) and List-Unsubscribe-Post, read back with a MIME parser", async () => {
    const { html, text } = renderNewsletter({ subject: "Weekly", preheader: "This week", intro: "Hello {{first_name|there}},", items: [{ title: "Launch", body: "We **shipped**." }], senderName: "Acme", postalAddress: "1 Main St" });
    const batch = await buildBatch({
      secret: SECRET,
      baseUrl: "https://engine.test",
      workspaceId: "ws_1",
      sendId: "snd_1",
      sender: { from: { email: "news@acme.test", name: "Acme Ünited" }, replyTo: null, unsubscribeMailto: "unsubscribe@acme.test", tracking: false },
      message: { subject: "Weekly for {{first_name|you}}", html, text },
      people: [
        { deliveryId: "dlv_1", subscriberId: "sub_1", email: "ada@example.com", firstName: "Ada", lastName: null },
        { deliveryId: "dlv_2", subscriberId: "sub_2", email: "bob@example.com", firstName: null, lastName: null },
        { deliveryId: "dlv_3", subscriberId: "sub_3", email: "eve@example.com", firstName: "<script>alert(1)</script>", lastName: null },
      ],
      batchKey: "bat_1",
    });
    const parsed = await Promise.all(batchAsMime(batch).map((raw) => PostalMime.parse(raw)));
    expect(parsed).toHaveLength(3);
    for (const [i, mail] of parsed.entries()) {
      const header = (name: string) => mail.headers.find((h) => h.key === name)?.value ?? "";
      const unsubscribe = header("list-unsubscribe");
      const https = unsubscribe.match(/<(https:\/\/engine\.test\/email\/unsubscribe\/[^>]+)>/)?.[1];
      expect(https, `message ${i}`).toBeTruthy();
      expect(unsubscribe).toMatch(/<mailto:unsubscribe@acme\.test\?subject=unsubscribe-sub_\d>/);
      expect(header("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
      // The link in the body is the same signed link, and it names this subscriber.
      expect(mail.text).toContain(https!);
      const token = https!.split("/").pop()!;
      expect((await readManageToken(SECRET, token))?.subscriberId).toBe(`sub_${i + 1}`);
      expect(mail.from?.name).toBe("Acme Ünited");
    }
    expect(parsed[0]!.subject).toBe("Weekly for Ada");
    expect(parsed[0]!.text).toContain("Hello Ada,");
    expect(parsed[1]!.subject).toBe("Weekly for you");
    expect(parsed[1]!.html).toContain("Hello there,");
    // A name is data, never markup.
    expect(parsed[2]!.html).toContain("Hello &lt;script&gt;alert(1)&lt;/script&gt;,");
    expect(parsed[2]!.text).toContain("Hello <script>alert(1)</script>,");
  });

  it("personalises with fallbacks and escapes for HTML only", () => {
    const fields = { first_name: "  ", last_name: "O'Neil", email: "x@example.com" };
    expect(personalise("Hi {{ first_name | there }} {{last_name}}", fields, {}, false)).toBe("Hi there O'Neil");
    expect(personalise("Hi {{last_name|friend}}", fields, {}, true)).toBe("Hi O&#39;Neil");
    expect(personalise("{{unknown|fallback}}", fields, {}, false)).toBe("fallback");
  });
});

describe("links", () => {
  it("confirmation links are signed and expire; a manage token is not a confirm token", async () => {
    const token = await confirmToken(SECRET, "sub_1", "lst_1");
    expect(await readConfirmToken(SECRET, token)).toEqual({ subscriberId: "sub_1", listId: "lst_1" });
    expect(await readConfirmToken("another-secret-another-secret-another-secret", token)).toBeNull();
    expect(await readManageToken(SECRET, token)).toBeNull();
    const payload = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")));
    expect(payload.exp - payload.iat).toBe(48 * 3600);
  });
});

describe("CSV", () => {
  it("parses quoted commas, quotes and line breaks, and stops a window before a cut row", () => {
    const csv = 'email,first_name,notes\r\n"ada@example.com","Ada","likes ""quotes"", commas"\r\nbob@example.com,Bob,"two\nlines"\r\ncut@exa';
    const window = parseRows(csv, 100, false);
    expect(window.rows).toEqual([
      ["email", "first_name", "notes"],
      ["ada@example.com", "Ada", 'likes "quotes", commas'],
      ["bob@example.com", "Bob", "two\nlines"],
    ]);
    expect(csv.slice(window.consumed)).toBe("cut@exa");
    expect(parseRows(csv, 100, true).rows).toHaveLength(4);
    const limited = parseRows(csv, 2, true);
    expect(limited.rows).toHaveLength(2);
    expect(csv.slice(limited.consumed).startsWith("bob@example.com")).toBe(true);
  });

  it("writes CSV that reads back, neutralising spreadsheet formulas", () => {
    const out = toCsv(["email", "note"], [["a@example.com", 'say "hi", ok'], ["b@example.com", "=HYPERLINK(1)"]]);
    const rows = parseRows(out, 10, true).rows;
    expect(rows[1]).toEqual(["a@example.com", 'say "hi", ok']);
    expect(rows[2]![1]).toBe("'=HYPERLINK(1)");
  });
});

describe("addresses and secrets", () => {
  it("normalises addresses and refuses what mail cannot reach", () => {
    expect(normalizeEmail("  Ada.Lovelace@Example.COM ")).toBe("ada.lovelace@example.com");
    expect(normalizeEmail("jo@bücher.example")).toBe("jo@xn--bcher-kva.example");
    for (const bad of ["", "ada", "ada@", "@example.com", "ada@localhost", "a b@example.com", "ada@exa mple.com", "ada@example.com\r\nBcc: x@y.z", `${"a".repeat(65)}@example.com`]) {
      expect(normalizeEmail(bad), bad).toBeNull();
    }
  });

  it("seals provider keys with a fresh IV each time, opening only for their own workspace and key", async () => {
    const a = await sealProviderKey(SECRET, "ws_a", "SG.secret-key");
    const b = await sealProviderKey(SECRET, "ws_a", "SG.secret-key");
    expect(a).not.toBe(b);
    expect(a).not.toContain("secret-key");
    expect(await unsealProviderKey(SECRET, "ws_a", a)).toBe("SG.secret-key");
    await expect(unsealProviderKey(SECRET, "ws_b", a)).rejects.toThrow();
    await expect(unsealProviderKey("another-secret-another-secret-another-secret", "ws_a", a)).rejects.toThrow();
  });
});
