/** Real file headers, built byte by byte here, so each test says exactly which bytes it reads. */
import { describe, expect, it } from "vitest";
import { imageDimensions, SIZE_LIMITS, sniff } from "./media-types";

const bytes = (...parts: (number[] | string | Uint8Array)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : [...p])));
const u16be = (n: number) => [n >> 8, n & 255];
const u16le = (n: number) => [n & 255, n >> 8];
const u24le = (n: number) => [n & 255, (n >> 8) & 255, n >> 16];
const u32be = (n: number) => [n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255];
const u32le = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];

const png = (w: number, h: number) => bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], u32be(13), "IHDR", u32be(w), u32be(h), [8, 6, 0, 0, 0], u32be(0));
const gif = (version: "87a" | "89a", w: number, h: number) => bytes(`GIF${version}`, u16le(w), u16le(h), [0xf7, 0, 0]);
const segment = (marker: number, body: number[]) => [0xff, marker, ...u16be(body.length + 2), ...body];
const sof = (marker: number, w: number, h: number) => segment(marker, [8, ...u16be(h), ...u16be(w), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
/** A camera-style JPEG: JFIF, then EXIF whose thumbnail has its own (smaller) frame header, a quantization table, padding, then the real frame. */
function jpeg(w: number, h: number, frameMarker = 0xc0): Uint8Array {
  const thumbnail = [0xff, 0xd8, ...sof(0xc0, 160, 120), 0xff, 0xd9];
  return bytes(
    [0xff, 0xd8],
    segment(0xe0, [..."JFIF\0"].map((c) => c.charCodeAt(0)).concat([1, 1, 0, 0, 1, 0, 1, 0, 0])),
    segment(0xe1, [..."Exif\0\0"].map((c) => c.charCodeAt(0)).concat(thumbnail)),
    segment(0xdb, new Array(65).fill(1)),
    [0xff, 0xff],
    sof(frameMarker, w, h),
    [0xff, 0xd9],
  );
}
const riff = (chunk: string, payload: number[]) => bytes("RIFF", u32le(4 + 8 + payload.length), "WEBP", chunk, u32le(payload.length), payload);
const webpLossy = (w: number, h: number) => riff("VP8 ", [0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, ...u16le(w), ...u16le(h), 0, 0]);
const webpLossless = (w: number, h: number) => {
  const bits = (w - 1) | ((h - 1) << 14);
  return riff("VP8L", [0x2f, ...u32le(bits >>> 0)]);
};
const webpExtended = (w: number, h: number) => riff("VP8X", [0x10, 0, 0, 0, ...u24le(w - 1), ...u24le(h - 1)]);
const ftyp = (major: string, ...compatible: string[]) => bytes(u32be(16 + 4 * compatible.length), "ftyp", major, u32be(0), ...compatible, new Uint8Array(32));
const ebml = (docType: string) => bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0x82, 0x80 | docType.length], docType, [0x42, 0x87, 0x81, 0x04]);

describe("sniff", () => {
  it("knows each image type by its bytes", () => {
    expect(sniff(png(1, 1))).toEqual({ mime: "image/png", kind: "image" });
    expect(sniff(jpeg(1, 1))).toEqual({ mime: "image/jpeg", kind: "image" });
    expect(sniff(gif("87a", 1, 1))).toEqual({ mime: "image/gif", kind: "gif" });
    expect(sniff(gif("89a", 1, 1))).toEqual({ mime: "image/gif", kind: "gif" });
    expect(sniff(webpLossy(1, 1))).toEqual({ mime: "image/webp", kind: "image" });
    expect(sniff(ftyp("avif", "mif1", "miaf"))).toEqual({ mime: "image/avif", kind: "image" });
    expect(sniff(ftyp("heic", "mif1", "heic"))).toEqual({ mime: "image/heic", kind: "image" });
  });
  it("reads past a generic major brand to the compatible one that says AVIF", () => {
    expect(sniff(ftyp("mif1", "miaf", "avif"))).toEqual({ mime: "image/avif", kind: "image" });
    expect(sniff(ftyp("mif1", "heic"))).toEqual({ mime: "image/heic", kind: "image" });
  });
  it("knows video containers: MP4 and MOV by brand, WebM by its EBML DocType", () => {
    expect(sniff(ftyp("isom", "isom", "iso2", "avc1", "mp41"))).toEqual({ mime: "video/mp4", kind: "video" });
    expect(sniff(ftyp("mp42", "mp42", "isom"))).toEqual({ mime: "video/mp4", kind: "video" });
    expect(sniff(ftyp("qt  ", "qt  "))).toEqual({ mime: "video/quicktime", kind: "video" });
    expect(sniff(ebml("webm"))).toEqual({ mime: "video/webm", kind: "video" });
  });
  it("knows PDF", () => {
    expect(sniff(bytes("%PDF-1.7\n%âãÏÓ\n"))).toEqual({ mime: "application/pdf", kind: "pdf" });
  });
  it("refuses what is not one of ours, whatever it would be called", () => {
    expect(sniff(bytes("<!doctype html><html><body><script>alert(1)</script></body></html>"))).toBeNull();
    expect(sniff(ebml("matroska"))).toBeNull();
    expect(sniff(ftyp("M4A "))).toBeNull();
    expect(sniff(bytes("RIFF", u32le(4), "WAVEfmt "))).toBeNull();
    expect(sniff(bytes("GIF90a"))).toBeNull();
    expect(sniff(new Uint8Array([0xff, 0xd8]))).toBeNull();
    expect(sniff(new Uint8Array(0))).toBeNull();
  });
});

describe("imageDimensions", () => {
  it("reads PNG and GIF headers", () => {
    expect(imageDimensions(png(1200, 630), "image/png")).toEqual({ width: 1200, height: 630 });
    expect(imageDimensions(gif("89a", 480, 270), "image/gif")).toEqual({ width: 480, height: 270 });
  });
  it("walks JPEG segments to the real frame header, not the EXIF thumbnail's", () => {
    expect(imageDimensions(jpeg(4032, 3024), "image/jpeg")).toEqual({ width: 4032, height: 3024 });
    expect(imageDimensions(jpeg(1920, 1080, 0xc2), "image/jpeg")).toEqual({ width: 1920, height: 1080 });
  });
  it("reads each WebP flavour: lossy VP8, lossless VP8L, extended VP8X", () => {
    expect(imageDimensions(webpLossy(800, 600), "image/webp")).toEqual({ width: 800, height: 600 });
    expect(imageDimensions(webpLossless(1080, 1350), "image/webp")).toEqual({ width: 1080, height: 1350 });
    expect(imageDimensions(webpExtended(16383 * 2, 70000), "image/webp")).toEqual({ width: 32766, height: 70000 });
  });
  it("gives null for a truncated or damaged header", () => {
    expect(imageDimensions(png(10, 10).subarray(0, 20), "image/png")).toBeNull();
    expect(imageDimensions(jpeg(10, 10).subarray(0, 40), "image/jpeg")).toBeNull();
    expect(imageDimensions(bytes([0xff, 0xd8], [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]), "image/jpeg")).toBeNull();
    const badStartCode = webpLossy(8, 8);
    badStartCode[24] = 0;
    expect(imageDimensions(badStartCode, "image/webp")).toBeNull();
    expect(imageDimensions(gif("89a", 1, 1).subarray(0, 8), "image/gif")).toBeNull();
  });
  it("has no dimensions for types it does not read", () => {
    expect(imageDimensions(ftyp("avif"), "image/avif")).toBeNull();
  });
});

describe("size limits", () => {
  it("per kind: images 20 MB, GIFs 15 MB, videos 100 MB", () => {
    expect(SIZE_LIMITS).toMatchObject({ image: 20 * 1024 * 1024, gif: 15 * 1024 * 1024, video: 100 * 1024 * 1024 });
  });
});
