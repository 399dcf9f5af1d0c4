/**
 * IP truncation before an address leaves the DCS. The full address is personal data and, at
 * /32 or /128, precise enough to single out a household; a truncated address still gives a
 * provider coarse (city/ISP-level) geography. Widths as in Google Analytics' IP anonymisation
 * (last IPv4 octet and last 80 IPv6 bits set to zero): IPv4 keeps 24 bits, IPv6 48 (a /48 site).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Bits of an IPv4 address kept (the last octet is zeroed). */
export const IPV4_KEEP_BITS = 24;
/** Bits of an IPv6 address kept (a /48, typically one site). */
export const IPV6_KEEP_BITS = 48;

/**
 * Returns the truncated form of `ip`: `203.0.113.77` → `203.0.113.0`,
 * `2001:db8:85a3:8d3:1319:8a2e:370:7348` → `2001:db8:85a3::`. IPv4-mapped IPv6 addresses
 * (`::ffff:203.0.113.77`) are truncated as IPv4. A zone id (`%eth0`) is dropped. Anything that is
 * not a valid address returns undefined, so an unparseable value is never forwarded as is.
 */
export function truncateIp(ip: string): string | undefined {
  const address = ip.trim();
  if (isIPv4(address)) return truncateIpv4(address);
  const withoutZone = address.split('%', 1)[0] ?? '';
  if (!isIPv6(withoutZone)) return undefined;
  const hextets = expandIpv6(withoutZone);
  if (hextets === undefined) return undefined;
  if (isIpv4Mapped(hextets)) {
    const hi = hextets[6] ?? 0;
    const lo = hextets[7] ?? 0;
    return truncateIpv4(`${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`);
  }
  const keep = IPV6_KEEP_BITS / 16;
  return formatIpv6(hextets.map((h, i) => (i < keep ? h : 0)));
}

function truncateIpv4(address: string): string {
  const octets = address.split('.');
  return `${octets[0]}.${octets[1]}.${octets[2]}.0`;
}

/** Eight 16-bit groups of a valid IPv6 address (handles `::` and a dotted IPv4 tail). */
function expandIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const o = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${(((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16)}:${(((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16)}`;
  }
  const [head = '', rest] = text.split('::', 2);
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - left.length - right.length;
  if (rest === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<string>(missing).fill('0'), ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

function isIpv4Mapped(h: readonly number[]): boolean {
  return h.slice(0, 5).every((g) => g === 0) && h[5] === 0xffff;
}

/** RFC 5952 text form: lower-case, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
function formatIpv6(h: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < h.length;) {
    if (h[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < h.length && h[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = h.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
