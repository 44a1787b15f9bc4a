import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses a webhook may be sent to. A facilitator chooses the URL, so without
 * this a session could have the server POST to its own admin ports, to the database
 * next door or to a cloud's metadata service (server-side request forgery). Only
 * public unicast addresses are allowed, unless the operator allows private ones
 * (TOWNHALL_WEBHOOK_ALLOW_PRIVATE): all of them, or only the ranges listed.
 */
export type PrivateTargets = { kind: 'refuse' } | { kind: 'allow-all' } | { kind: 'allow'; ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] };

/** Cloud metadata services: named apart, so that a refusal says what was at stake. */
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

/** What ipaddr.js calls each range, in the words a refusal uses. */
const KIND_WORDS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'shared (carrier-grade NAT)',
  private: 'private',
  uniqueLocal: 'private',
  reserved: 'reserved',
  // These IPv6 ranges carry an IPv4 address inside, which a gateway may forward to: refused as a whole.
  rfc6145: 'IPv4-translated',
  rfc6052: 'IPv4-translated',
  '6to4': '6to4',
  teredo: 'Teredo',
};

/** Ranges ipaddr.js counts as unicast that a public receiver is never in. */
const EXTRA_REFUSED: [string, string][] = [
  // Deprecated site-local addresses still route inside some networks.
  ['fec0::/10', 'site-local'],
  // IPv4-compatible addresses (::a.b.c.d), deprecated; ::1 and :: are caught before.
  ['::/96', 'IPv4-compatible'],
  // NAT64 prefix for local use (RFC 8215).
  ['64:ff9b:1::/48', 'IPv4-translated'],
];
const extraRefused = EXTRA_REFUSED.map(([cidr, words]) => ({ range: ipaddr.parseCIDR(cidr), words }));

/**
 * Why an address is refused as a webhook target ("loopback", "private", …), or null
 * when it is a public unicast address. An address that cannot be parsed is refused.
 */
export function refusedKind(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'unparseable';
  let ip = ipaddr.parse(address);
  // ::ffff:10.0.0.5 reaches 10.0.0.5: judged as the IPv4 address it is.
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const plain = ip.toString().replace(/%.*$/, '');
  if (METADATA.has(plain)) return 'cloud metadata';
  const range = ip.range();
  if (range !== 'unicast') return KIND_WORDS[range] ?? range;
  if (ip.kind() === 'ipv6') {
    for (const { range: r, words } of extraRefused) if (inRange(ip, r)) return words;
  }
  return null;
}

/** Whether the operator allowed this (non-public) address. */
function allowedPrivate(address: string, policy: PrivateTargets): boolean {
  if (policy.kind === 'allow-all') return true;
  if (policy.kind === 'refuse' || !ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return policy.ranges.some((r) => inRange(ip, r));
}

function inRange(ip: ipaddr.IPv4 | ipaddr.IPv6, range: [ipaddr.IPv4 | ipaddr.IPv6, number]): boolean {
  if (ip.kind() !== range[0].kind()) return false;
  return ip.kind() === 'ipv4' ? (ip as ipaddr.IPv4).match(range as [ipaddr.IPv4, number]) : (ip as ipaddr.IPv6).match(range as [ipaddr.IPv6, number]);
}

/** The refusal of one address a host resolved to, as the delivery log shows it; null if it may be sent to. */
export function addressRefusal(host: string, address: string, policy: PrivateTargets): string | null {
  const kind = refusedKind(address);
  if (kind === null || allowedPrivate(address, policy)) return null;
  const an = /^[aeiou]/i.test(kind) ? 'an' : 'a';
  return host === address ? `refused: ${address} is ${an} ${kind} address` : `refused: ${host} resolves to ${an} ${kind} address ${address}`;
}

/** The host of a URL as an address or a name: IPv6 literals lose their brackets, names their trailing dot. */
export function hostOf(url: URL): string {
  const h = url.hostname.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) return h.slice(1, -1);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/**
 * What can be refused when a webhook is registered, before any DNS: an IP literal in a
 * refused range, and `localhost` (and names under it, RFC 6761). Other names are
 * checked on every delivery attempt, since what they resolve to can change.
 */
export function registrationRefusal(rawUrl: string, policy: PrivateTargets): string | null {
  if (!URL.canParse(rawUrl)) return null;
  const host = hostOf(new URL(rawUrl));
  if (isIP(host)) return addressRefusal(host, host, policy);
  if (policy.kind !== 'allow-all' && (host === 'localhost' || host.endsWith('.localhost'))) return `refused: ${host} is this machine`;
  return null;
}

/** TOWNHALL_WEBHOOK_ALLOW_PRIVATE: "false" (default), "true", or a comma-separated list of CIDR ranges. Throws on anything else. */
export function parsePrivateTargets(value: string | undefined): PrivateTargets {
  const v = (value ?? '').trim();
  if (v === '' || v === 'false') return { kind: 'refuse' };
  if (v === 'true') return { kind: 'allow-all' };
  const ranges = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((cidr) => {
      try {
        return ipaddr.parseCIDR(cidr);
      } catch {
        throw new Error(`not "true", "false" or a list of CIDR ranges: ${JSON.stringify(cidr)}`);
      }
    });
  return { kind: 'allow', ranges };
}
