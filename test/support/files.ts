/** Small, real file headers built byte by byte, for the media tests. */
const concat = (...parts: (number[] | Uint8Array)[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const u16be = (n: number) => [n >> 8, n & 255];
const u32be = (n: number) => [n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255];
const u16le = (n: number) => [n & 255, n >> 8];
const text = (s: string) => [...s].map((c) => c.charCodeAt(0));

export function png(width: number, height: number, padding = 0): Uint8Array {
  return concat([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], u32be(13), text("IHDR"), u32be(width), u32be(height), [8, 6, 0, 0, 0], u32be(0), new Uint8Array(padding));
}

/** A JPEG whose frame header comes after an APP1 (EXIF-like) segment, as in camera files. */
export function jpeg(width: number, height: number): Uint8Array {
  const app1 = concat([0xff, 0xe1], u16be(2 + 20), new Uint8Array(20));
  const sof0 = concat([0xff, 0xc0], u16be(17), [8], u16be(height), u16be(width), [3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return concat([0xff, 0xd8], app1, sof0, [0xff, 0xd9]);
}

export function gif(width: number, height: number, padding = 0): Uint8Array {
  return concat(text("GIF89a"), u16le(width), u16le(height), [0, 0, 0], new Uint8Array(padding));
}

export function webp(width: number, height: number): Uint8Array {
  const w = width - 1;
  const h = height - 1;
  return concat(text("RIFF"), [30, 0, 0, 0], text("WEBPVP8X"), [10, 0, 0, 0], [0, 0, 0, 0], [w & 255, (w >> 8) & 255, w >> 16], [h & 255, (h >> 8) & 255, h >> 16]);
}

export function mp4(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(concat(u32be(24), text("ftypisom"), u32be(512), text("isomiso2")));
  for (let i = 32; i < size; i++) bytes[i] = i % 251;
  return bytes;
}

export const html = new TextEncoder().encode("<!doctype html><html><body><script>alert(1)</script></body></html>");
