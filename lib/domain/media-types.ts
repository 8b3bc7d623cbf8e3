/**
 * What a file is, from its first bytes (never its name or the client's Content-Type), how large it
 * may be, and an image's dimensions read from its header.
 */
export type MediaKind = "image" | "gif" | "video" | "pdf";
export type Sniffed = { mime: string; kind: MediaKind };

/** Bytes to read for sniffing; dimensions may need more (a JPEG's frame header follows its EXIF). */
export const SNIFF_BYTES = 64;
export const DIMENSION_BYTES = 256 * 1024;

export const SIZE_LIMITS: Record<MediaKind, number> = {
  image: 20 * 1024 * 1024,
  gif: 15 * 1024 * 1024,
  video: 100 * 1024 * 1024,
  pdf: 20 * 1024 * 1024,
};

const ascii = (bytes: Uint8Array, start: number, length: number) => String.fromCharCode(...bytes.subarray(start, start + length));
const startsWith = (bytes: Uint8Array, signature: number[], offset = 0) => signature.every((b, i) => bytes[offset + i] === b);

/** ISO base media brands (the `ftyp` box), most specific first: an AVIF often declares `mif1` first. */
const BRANDS: [readonly string[], Sniffed][] = [
  [["avif", "avis"], { mime: "image/avif", kind: "image" }],
  [["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"], { mime: "image/heic", kind: "image" }],
  [["qt  "], { mime: "video/quicktime", kind: "video" }],
  [["isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "M4V ", "mmp4", "3gp4", "3gp5", "3gp6"], { mime: "video/mp4", kind: "video" }],
];

/** The `ftyp` box's major brand, then its compatible brands, as far as the bytes go. */
function ftypBrands(bytes: Uint8Array): string[] {
  const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  const end = Math.min(size, bytes.length);
  const brands = [ascii(bytes, 8, 4)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(bytes, at, 4));
  return brands;
}

/** An EBML (Matroska) header whose DocType is "webm"; other Matroska files are not accepted. */
function isWebm(bytes: Uint8Array): boolean {
  if (!startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return false;
  const header = ascii(bytes, 4, Math.min(bytes.length, SNIFF_BYTES) - 4);
  // The DocType element: id 0x4282, its size (a variable-length integer of 1 to 8 bytes), the name.
  return /\x42\x82[\s\S]{1,8}webm/.test(header);
}

/** The file's type from its first bytes (at least `SNIFF_BYTES` of them), or null for anything else. */
export function sniff(bytes: Uint8Array): Sniffed | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { mime: "image/jpeg", kind: "image" };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { mime: "image/png", kind: "image" };
  if (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a") return { mime: "image/gif", kind: "gif" };
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") return { mime: "image/webp", kind: "image" };
  if (ascii(bytes, 0, 5) === "%PDF-") return { mime: "application/pdf", kind: "pdf" };
  if (bytes.length >= 12 && ascii(bytes, 4, 4) === "ftyp") {
    const brands = ftypBrands(bytes);
    for (const [names, type] of BRANDS) if (brands.some((b) => names.includes(b))) return type;
  }
  if (isWebm(bytes)) return { mime: "video/webm", kind: "video" };
  return null;
}

export type Dimensions = { width: number; height: number };

/** Width and height from the image header, or null when the header is not where it should be. */
export function imageDimensions(bytes: Uint8Array, mime: string): Dimensions | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fits = (offset: number) => offset <= bytes.length;
  switch (mime) {
    case "image/png":
      return fits(24) && ascii(bytes, 12, 4) === "IHDR" ? { width: view.getUint32(16), height: view.getUint32(20) } : null;
    case "image/gif":
      return fits(10) ? { width: view.getUint16(6, true), height: view.getUint16(8, true) } : null;
    case "image/webp":
      return webpDimensions(bytes, view);
    case "image/jpeg":
      return jpegDimensions(bytes, view);
    default:
      return null;
  }
}

function webpDimensions(bytes: Uint8Array, view: DataView): Dimensions | null {
  const chunk = ascii(bytes, 12, 4);
  // Lossy: a frame tag, the start code 9d 01 2a, then 14-bit width and height.
  if (chunk === "VP8 " && bytes.length >= 30 && startsWith(bytes, [0x9d, 0x01, 0x2a], 23)) return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  // Lossless: the signature 0x2f, then width-1 and height-1 in 14 bits each.
  if (chunk === "VP8L" && bytes.length >= 25 && bytes[20] === 0x2f) {
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  // Extended: flags, then canvas width-1 and height-1 in 24 bits each.
  if (chunk === "VP8X" && bytes.length >= 30) {
    const width = 1 + (bytes[24]! | (bytes[25]! << 8) | (bytes[26]! << 16));
    const height = 1 + (bytes[27]! | (bytes[28]! << 8) | (bytes[29]! << 16));
    return { width, height };
  }
  return null;
}

/** Walks the JPEG markers to the first frame header (SOF0–SOF15 but DHT, JPG and DAC). */
function jpegDimensions(bytes: Uint8Array, view: DataView): Dimensions | null {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    offset += 2 + view.getUint16(offset + 2);
  }
  return null;
}
