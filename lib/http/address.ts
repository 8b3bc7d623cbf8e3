/**
 * Which hosts an outbound fetch may reach. Hostnames arrive already normalised by the WHATWG URL
 * parser (`http://2130706433/` and `http://0x7f.1/` both become `127.0.0.1`, IPv6 is compressed and
 * bracketed), so the checks here see canonical forms.
 */

// Names that only mean something inside a network: localhost (RFC 6761), mDNS (.local), home
// networks (home.arpa, RFC 8375), cloud-internal zones (metadata.google.internal, *.internal).
const BLOCKED_NAMES = [/^localhost$/, /\.localhost$/, /\.internal$/, /^internal$/, /\.local$/, /\.localdomain$/, /(^|\.)home\.arpa$/, /^instance-data$/];

function ipv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

/** Why an IPv4 address is not on the public internet, or null when it is. */
export function privateIPv4(bytes: number[]): string | null {
  const [a, b] = bytes as [number, number, number, number];
  if (a === 0) return "a 'this network' address";
  if (a === 127) return "a loopback address";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "a private address";
  if (a === 169 && b === 254) return "a link-local address (cloud metadata lives here)";
  if (a === 100 && b >= 64 && b <= 127) return "a carrier-grade NAT address";
  if (a === 192 && b === 0 && bytes[2] === 0) return "an IETF protocol address";
  if (a === 198 && (b === 18 || b === 19)) return "a benchmarking address";
  if (a >= 224) return "a multicast or reserved address";
  return null;
}

function expandIPv6(host: string): number[] | null {
  const inner = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (!inner.includes(":")) return null;
  let groups = inner;
  const v4 = groups.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const b = ipv4(v4[1]!);
    if (!b) return null;
    groups = groups.replace(v4[1]!, `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`);
  }
  const [head, tail] = groups.split("::") as [string, string | undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const all = [...left, ...Array(fill).fill("0"), ...right];
  if (all.length !== 8 || !all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return all.map((g) => parseInt(g, 16));
}

/** Why an IPv6 address is not on the public internet, or null when it is. */
export function privateIPv6(groups: number[]): string | null {
  const [g0, , , , , g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  if (groups.every((g) => g === 0)) return "the unspecified address";
  if (groups.slice(0, 7).every((g) => g === 0) && g7 === 1) return "a loopback address";
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms carry an IPv4 address: judge that one.
  if (groups.slice(0, 5).every((g) => g === 0) && (g5 === 0xffff || g5 === 0)) {
    return privateIPv4([g6 >> 8, g6 & 255, g7 >> 8, g7 & 255]);
  }
  if ((g0 & 0xfe00) === 0xfc00) return "a unique-local address (fd00:ec2::254 is cloud metadata)";
  if ((g0 & 0xffc0) === 0xfe80) return "a link-local address";
  if ((g0 & 0xff00) === 0xff00) return "a multicast address";
  // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
  if (g0 === 0x64 && groups[1] === 0xff9b) return privateIPv4([g6 >> 8, g6 & 255, g7 >> 8, g7 & 255]);
  // 6to4 (2002::/16) routes to the IPv4 address in bits 16–47.
  if (g0 === 0x2002) return privateIPv4([groups[1]! >> 8, groups[1]! & 255, groups[2]! >> 8, groups[2]! & 255]);
  return null;
}

/** Why this URL's host must not be fetched, or null when it may be. */
export function refusedHost(url: URL): string | null {
  const host = url.hostname.toLowerCase();
  const v4 = ipv4(host);
  if (v4) return privateIPv4(v4);
  const v6 = expandIPv6(host);
  if (v6) return privateIPv6(v6);
  if (host.startsWith("[")) return "a malformed IPv6 address";
  const name = host.replace(/\.$/, "");
  if (BLOCKED_NAMES.some((pattern) => pattern.test(name))) return "an internal host name";
  // A single label ("intranet", "router") is resolved through local search domains, never on the internet.
  if (!name.includes(".")) return "not a public host name";
  if (name.split(".").includes("")) return "not a valid host name";
  return null;
}

/** Address checks for resolved IPs (DNS answers), in either family. */
export function refusedAddress(ip: string): string | null {
  const v4 = ipv4(ip);
  if (v4) return privateIPv4(v4);
  const v6 = expandIPv6(ip);
  return v6 ? privateIPv6(v6) : "not an IP address";
}
