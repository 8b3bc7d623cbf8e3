import { describe, expect, it } from "vitest";
import { gif, html, jpeg, mp4, png, webp } from "../../test/support/files";
import { imageDimensions, sniff } from "./media-types";

describe("sniff", () => {
  it("knows each type by its bytes", () => {
    expect(sniff(png(1, 1))).toEqual({ mime: "image/png", kind: "image" });
    expect(sniff(jpeg(1, 1))).toEqual({ mime: "image/jpeg", kind: "image" });
    expect(sniff(gif(1, 1))).toEqual({ mime: "image/gif", kind: "gif" });
    expect(sniff(webp(1, 1))).toEqual({ mime: "image/webp", kind: "image" });
    expect(sniff(mp4(64))).toEqual({ mime: "video/mp4", kind: "video" });
    expect(sniff(new TextEncoder().encode("%PDF-1.7\n"))).toEqual({ mime: "application/pdf", kind: "pdf" });
  });
  it("refuses what is not media, whatever it claims to be", () => {
    expect(sniff(html)).toBeNull();
    expect(sniff(new Uint8Array([0, 1, 2, 3]))).toBeNull();
  });
});

describe("imageDimensions", () => {
  it("reads PNG, GIF, WebP and JPEG (past its EXIF segment)", () => {
    expect(imageDimensions(png(1200, 630), "image/png")).toEqual({ width: 1200, height: 630 });
    expect(imageDimensions(gif(480, 270), "image/gif")).toEqual({ width: 480, height: 270 });
    expect(imageDimensions(webp(1080, 1350), "image/webp")).toEqual({ width: 1080, height: 1350 });
    expect(imageDimensions(jpeg(4032, 3024), "image/jpeg")).toEqual({ width: 4032, height: 3024 });
  });
  it("gives null for a truncated header", () => {
    expect(imageDimensions(png(10, 10).subarray(0, 20), "image/png")).toBeNull();
    expect(imageDimensions(jpeg(10, 10).subarray(0, 10), "image/jpeg")).toBeNull();
  });
});
