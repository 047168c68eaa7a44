// The verified state of a membership log as this device keeps it. It is derived only from entries
// this device verified, and written in the same storage batch as those entries, so that a restart
// reads it instead of verifying every stored entry's signature and certificate again; entries
// stored beyond what it covers are still verified before they count.
import type { LogMember, MembershipState } from '@mekong/schema';
import { fromBytes, toBytes } from '../local/json';

/** Storage key of one conversation's verified state. */
export const verifiedKey = (conv: string) => `mver/${conv}`;

interface StoredState {
  v: 1;
  conv: string;
  kind: 'direct' | 'group';
  epoch: number;
  length: number;
  head: string;
  members: LogMember[];
  epochMembers: Array<[number, string[]]>;
}

/**
 * @example await storage.put(verifiedKey(conv), encodeVerified(state));
 */
export function encodeVerified(state: MembershipState): Uint8Array {
  const stored: StoredState = {
    v: 1,
    conv: state.conv,
    kind: state.kind,
    epoch: state.epoch,
    length: state.length,
    head: state.head,
    members: [...state.members.values()],
    epochMembers: [...state.epochMembers].map(([epoch, users]) => [epoch, [...users]]),
  };
  return toBytes(stored);
}

/**
 * The stored state of `conv`, or undefined when there is none this version can read (it is then
 * rebuilt by verifying the stored entries).
 * @example const state = decodeVerified(await storage.get(verifiedKey(conv)), conv);
 */
export function decodeVerified(bytes: Uint8Array | undefined, conv: string): MembershipState | undefined {
  if (!bytes) return undefined;
  let s: StoredState;
  try {
    s = fromBytes<StoredState>(bytes);
  } catch {
    return undefined;
  }
  const wellFormed =
    s?.v === 1 &&
    s.conv === conv &&
    (s.kind === 'direct' || s.kind === 'group') &&
    Number.isSafeInteger(s.length) &&
    s.length > 0 &&
    Number.isSafeInteger(s.epoch) &&
    typeof s.head === 'string' &&
    Array.isArray(s.members) &&
    Array.isArray(s.epochMembers);
  if (!wellFormed) return undefined;
  return {
    conv,
    kind: s.kind,
    epoch: s.epoch,
    length: s.length,
    head: s.head,
    members: new Map(s.members.map((m) => [m.user, m])),
    epochMembers: new Map(s.epochMembers.map(([epoch, users]) => [epoch, new Set(users)])),
  };
}
