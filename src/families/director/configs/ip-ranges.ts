/** IPv4 addresses as numbers, and the range notations the Director's cloud configs use. */

export class IpFormatError extends Error {}

export function ipToInt(text: string): number {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255))
    throw new IpFormatError(`invalid IP address '${text}'`);
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export interface Cidr {
  /** The network id (first address) and the broadcast address (last). */
  first: number;
  last: number;
  prefix: number;
  text: string;
}

/** `10.0.0.0/24`. */
export function parseCidr(text: string): Cidr {
  const m = /^\s*([\d.]+)\/(\d{1,2})\s*$/.exec(text);
  if (!m || Number(m[2]) > 32) throw new IpFormatError(`invalid range '${text}'`);
  const prefix = Number(m[2]);
  const size = 2 ** (32 - prefix);
  const first = Math.floor(ipToInt(m[1]) / size) * size;
  return { first, last: first + size - 1, prefix, text: `${intToIp(first)}/${prefix}` };
}

/**
 * A list of addresses as a cloud config writes `reserved` and `static`: single IPs, `a - b` ranges, or
 * CIDR blocks, one string or a list of them. Each address once, in order.
 */
export function parseIpList(value: unknown): number[] {
  return [...new Set(expandIps(value))];
}

/** The addresses of a list as written, repeats kept (a group naming a static IP twice is an error). */
export function expandIps(value: unknown): number[] {
  if (value == null) return [];
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  const out: number[] = [];
  const add = (n: number) => out.push(n);
  for (const item of items) {
    if (typeof item !== 'string') throw new IpFormatError(`invalid IP entry ${JSON.stringify(item)}`);
    if (item.includes('/')) {
      const c = parseCidr(item);
      if (c.last - c.first > 65536) throw new IpFormatError(`range '${item}' is too large`);
      for (let n = c.first; n <= c.last; n++) add(n);
      continue;
    }
    const [a, b] = item.split('-').map((s) => s.trim());
    const from = ipToInt(a);
    const to = b === undefined ? from : ipToInt(b);
    if (to < from || to - from > 65536) throw new IpFormatError(`invalid IP range '${item}'`);
    for (let n = from; n <= to; n++) add(n);
  }
  return out;
}
