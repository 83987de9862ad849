/**
 * Where webhooks may go. Always http(s) with a host and no credentials; when private targets
 * are refused (always in production), only public unicast addresses that are not this
 * machine's own: a webhook URL must not become a way into the operator's own services or
 * the cloud's metadata endpoint.
 *
 * The address rules come from ipaddr.js (a maintained table of the IANA special-purpose
 * ranges) rather than a hand-written list: an IPv4 address must classify as `unicast`; an
 * IPv6 address must classify as `unicast` and lie in global unicast space, and one that
 * carries an IPv4 address inside it (IPv4-mapped, IPv4-compatible, SIIT, NAT64, 6to4,
 * Teredo) is judged by the IPv4 address it carries, since that is where packets end up.
 *
 * The URL is checked when an endpoint is created; the address is checked again at every
 * delivery, on what is actually dialled (see `resolveTarget` and `refuseUnlessAllowed`),
 * because a name can resolve somewhere else tomorrow and a stored URL predates today's rules.
 */
import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';

export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefused';
  }
}

export const REFUSED_TARGET = 'url must not point at this machine or a private network';

/** Names that mean this machine or a private network whatever DNS says (RFC 6761, 6762, ICANN .internal). */
const PRIVATE_NAME_SUFFIXES = ['.localhost', '.local', '.internal'] as const;

/** IANA allocates global unicast from 2000::/3 only; anything else outside a named range is unassigned. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
/** RFC 4291's deprecated IPv4-compatible addresses (::a.b.c.d); ipaddr.js calls them unicast. */
const IPV4_COMPATIBLE_V6 = ipaddr.IPv6.parseCIDR('::/96');
/** RFC 6052's well-known NAT64 prefix: the IPv4 address is the last 32 bits. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/** ipaddr.js range names in words a person reads in a 400. */
const RANGE_WORDS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'a private network',
  reserved: 'reserved (documentation, benchmarking or future use)',
  as112: 'AS112 (reserved)',
  amt: 'AMT (reserved)',
  benchmarking: 'benchmarking (reserved)',
  uniqueLocal: 'unique local (a private network)',
  deprecatedSiteLocal: 'site-local (a private network)',
  rfc6052: 'a local-use NAT64 prefix',
  discard: 'discard-only',
  as112v6: 'AS112 (reserved)',
  deprecatedOrchid: 'ORCHID (not routable)',
  orchid2: 'ORCHIDv2 (not routable)',
  droneRemoteIdProtocolEntityTags: 'a drone identifier (not routable)',
  segmentRouting: 'segment routing (not routable)',
};

/** `why` reads after the address: "is loopback", "carries 127.0.0.1, which is loopback". */
export type AddressVerdict = { allowed: true } | { allowed: false; why: string };

const refused = (why: string): AddressVerdict => ({ allowed: false, why });

/** This machine's own addresses, read now (interfaces come and go), normalized. */
export function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) {
      const n = normalized(a.address);
      if (n) out.push(n);
    }
  return out;
}

/** One spelling per address, IPv4-mapped addresses as their IPv4; null when not an address. */
function normalized(address: string): string | null {
  const bare = address.replace(/%.*$/, '');
  if (!isIP(bare)) return null;
  const ip = ipaddr.process(bare);
  return ip.kind() === 'ipv4' ? ip.toString() : (ip as ipaddr.IPv6).toNormalizedString();
}

/**
 * May a webhook be sent to this address when private targets are refused? `own` is this
 * machine's addresses (read from the interfaces unless a test names them).
 */
export function addressVerdict(address: string, own: readonly string[] = hostAddresses()): AddressVerdict {
  const bare = address.replace(/%.*$/, '');
  // node:net's parser is strict (no "127.1" or octal forms): what it accepts is what is dialled.
  if (!isIP(bare)) return refused('is not an IP address');
  const ip = ipaddr.parse(bare);
  const mine = new Set(own.map(normalized));
  const judged = ip.kind() === 'ipv4' ? [ip as ipaddr.IPv4] : carriedIPv4(ip as ipaddr.IPv6);
  if (judged === null) {
    const v6 = ip as ipaddr.IPv6;
    const range = v6.range();
    if (range !== 'unicast') return refused(`is ${RANGE_WORDS[range] ?? range}`);
    if (!v6.match(GLOBAL_UNICAST_V6)) return refused('is outside global unicast space (2000::/3)');
    if (mine.has(v6.toNormalizedString())) return refused("is one of this machine's own addresses");
    return { allowed: true };
  }
  for (const v4 of judged) {
    const carried = ip.kind() === 'ipv6' ? `carries ${v4}, which ` : '';
    const range = v4.range();
    if (range !== 'unicast') return refused(`${carried}is ${RANGE_WORDS[range] ?? range}`);
    if (mine.has(v4.toString())) return refused(`${carried}is one of this machine's own addresses`);
  }
  return { allowed: true };
}

/**
 * The IPv4 addresses an IPv6 address delivers to, when it is one of the forms that carry
 * one; null when it is a plain IPv6 address.
 */
function carriedIPv4(ip: ipaddr.IPv6): ipaddr.IPv4[] | null {
  const p = ip.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  switch (ip.range()) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d (SIIT)
      return [v4(p[6]!, p[7]!)];
    case 'rfc6052':
      // The well-known prefix carries the address in its last 32 bits; the local-use /48
      // (RFC 8215) is a translator inside someone's network: refused as a range below.
      return ip.match(NAT64_WELL_KNOWN) ? [v4(p[6]!, p[7]!)] : null;
    case '6to4': // 2002:AABB:CCDD::/48
      return [v4(p[1]!, p[2]!)];
    case 'teredo': // 2001:0:server:flags:port:~client (RFC 4380): the client is obfuscated
      return [v4(p[2]!, p[3]!), v4(~p[6]! & 0xffff, ~p[7]! & 0xffff)];
    case 'unicast':
      return ip.match(IPV4_COMPATIBLE_V6) ? [v4(p[6]!, p[7]!)] : null;
    default:
      return null;
  }
}

/** Checks the form of a webhook URL and, when private targets are refused, its host name or literal address. */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TargetRefused('url must use http or https');
  if (url.username || url.password) throw new TargetRefused('url must not carry credentials');
  if (allowPrivate) return url;
  const host = hostOf(url);
  if (isIP(host)) {
    const v = addressVerdict(host);
    if (!v.allowed) throw new TargetRefused(`${REFUSED_TARGET}: ${host} ${v.why}`);
  } else if (host === 'localhost' || PRIVATE_NAME_SUFFIXES.some((s) => host.endsWith(s)))
    throw new TargetRefused(`${REFUSED_TARGET}: ${host} names this machine or a local network`);
  return url;
}

/** The URL's host without IPv6 brackets or a trailing root dot. */
const hostOf = (url: URL) =>
  url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();

/** Resolves a name to every address it has (tests pass a stand-in; production asks the system resolver). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * The one address a delivery will dial: a literal as it is, a name through `resolve`. When
 * private targets are refused, every address the name has must be allowed (a name with one
 * private answer is refused outright rather than hoping the public one is picked).
 */
export async function resolveTarget(
  url: URL,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<LookupAddress> {
  const host = hostOf(url);
  const family = isIP(host);
  const answers = family ? [{ address: host, family }] : await resolve(host);
  if (answers.length === 0) throw new TargetRefused(`${host} has no address`);
  if (!allowPrivate)
    for (const a of answers) {
      const v = addressVerdict(a.address);
      if (!v.allowed)
        throw new TargetRefused(
          `${REFUSED_TARGET}: ${family ? `${host} ${v.why}` : `${host} resolves to ${a.address}, which ${v.why}`}`,
        );
    }
  return answers[0]!;
}

/**
 * The last word, on the socket itself: when it connects, the peer address must still be an
 * allowed one, or the socket is destroyed before the request is written to it (Node writes
 * a request only after its own 'connect' listeners, registered later than this one, run).
 */
export function refuseUnlessAllowed(socket: Socket): void {
  const check = () => {
    const peer = socket.remoteAddress;
    const v = peer ? addressVerdict(peer) : refused('is unknown');
    if (!v.allowed)
      socket.destroy(new TargetRefused(`${REFUSED_TARGET}: the dialled address ${peer} ${v.why}`));
  };
  if (socket.connecting) socket.once('connect', check);
  else check();
}
