// Who the client is, behind load balancers: X-Forwarded-For is believed only as far as it was written
// by proxies the operator trusts, so a client cannot pick its own rate-limit bucket by sending the
// header itself. Used by the relay's WebSocket binding and by the HTTP rate limiters alike.
import { BlockList, isIP } from 'node:net';
import { ErrorCode, MekongError } from '@mekong/schema';

/**
 * Which peers may say who the client is: nobody (the default: the socket address is the client),
 * the last `hops` proxies in front of this process whatever their address, or the proxies whose
 * address is in `list`.
 */
export type TrustProxy = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'addresses'; list: BlockList };

export const TRUST_NO_PROXY: TrustProxy = { kind: 'none' };

// named ranges an operator can write instead of the addresses
const NAMED: Record<string, Array<[string, number, 'ipv4' | 'ipv6']>> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  private: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
  ],
};

const family = (address: string): 'ipv4' | 'ipv6' | undefined => {
  const v = isIP(address);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : undefined;
};

/**
 * Reads a trusted-proxy setting (the TRUST_PROXY variable): empty, `none` or `0` trusts nobody; a
 * whole number trusts that many proxies in front of this process; otherwise a comma-separated list
 * of addresses, CIDR ranges, `loopback` and `private`. Anything else is BAD_REQUEST.
 * @example
 * parseTrustProxy('10.0.0.0/8, 192.168.1.7'); // the load balancers' addresses
 * parseTrustProxy('1');                        // exactly one proxy, wherever it is
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const text = value?.trim() ?? '';
  if (text === '' || text === 'none' || text === '0') return TRUST_NO_PROXY;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (!Number.isSafeInteger(hops) || hops > 32) throw bad(text, 'a hop count is at most 32');
    return { kind: 'hops', hops };
  }
  const list = new BlockList();
  for (const item of text.split(',').map((s) => s.trim())) {
    const named = NAMED[item];
    if (named) {
      for (const [net, prefix, type] of named) list.addSubnet(net, prefix, type);
      continue;
    }
    const [address = '', prefix, ...extra] = item.split('/');
    const type = family(address);
    if (!type || extra.length > 0) throw bad(item, 'not an IP address or CIDR range');
    if (prefix === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const bits = /^\d+$/.test(prefix) ? Number(prefix) : Number.NaN;
    if (!(bits <= (type === 'ipv4' ? 32 : 128))) throw bad(item, 'the prefix length does not fit the address');
    list.addSubnet(address, bits, type);
  }
  return { kind: 'addresses', list };
}

const bad = (item: string, why: string) =>
  new MekongError(
    ErrorCode.BAD_REQUEST,
    `TRUST_PROXY: "${item}" is not usable (${why}); give proxy addresses or CIDR ranges (comma-separated, "loopback", "private"), a hop count, or "none"`,
  );

/** An address as written by a peer or a proxy, without IPv4-mapped IPv6 prefix or port; undefined when it is not an address. */
export function normalizeAddress(raw: string | undefined): string | undefined {
  let a = raw?.trim();
  if (!a) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a); // [::1]:443
  if (bracketed?.[1]) a = bracketed[1];
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(a); // 203.0.113.9:5120
  if (withPort?.[1]) a = withPort[1];
  if (/^::ffff:\d{1,3}(?:\.\d{1,3}){3}$/i.test(a)) a = a.slice(7);
  return family(a) ? a : undefined;
}

/**
 * The client's address: the socket's peer, or, when the peer is a trusted proxy, the address that
 * proxy put in X-Forwarded-For (and so on leftwards while the hops are trusted).
 * @example
 * clientAddress(parseTrustProxy('10.0.0.0/8'), '10.0.0.5', '198.51.100.7, 203.0.113.9'); // '203.0.113.9'
 * clientAddress(TRUST_NO_PROXY, '10.0.0.5', '198.51.100.7');                             // '10.0.0.5'
 */
export function clientAddress(trust: TrustProxy, peer: string | undefined, forwardedFor: string | string[] | undefined): string | undefined {
  const remote = normalizeAddress(peer) ?? peer;
  if (trust.kind === 'none' || forwardedFor === undefined) return remote;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((s) => s.trim()).filter(Boolean);
  if (trust.kind === 'hops') {
    // the chain is client, proxies..., peer; each trusted proxy added the address it saw
    const chain = [...hops, remote];
    const index = Math.max(0, chain.length - 1 - trust.hops);
    return normalizeAddress(chain[index]) ?? remote;
  }
  let client = remote;
  for (let i = hops.length - 1; i >= 0; i--) {
    const type = client === undefined ? undefined : family(client);
    if (!client || !type || !trust.list.check(client, type)) break;
    const next = normalizeAddress(hops[i]);
    if (!next) break; // unreadable: keep the last address a trusted proxy vouched for
    client = next;
  }
  return client;
}
