// The signed membership log of a conversation: who is in it, with which role, in which key epoch.
// Every entry is signed by a member's device and chained to the previous entry by hash, so a
// client can verify the whole history from the first entry and derive members and roles from
// the log alone, never from what a server says.
import { z } from 'zod';
import { sortKeys } from '../model/sort-keys';

export const Role = z.enum(['owner', 'admin', 'member']);
export type Role = z.infer<typeof Role>;

const id = z.string().min(1).max(128);
const b64 = z.string().max(4096).regex(/^[A-Za-z0-9_-]*$/);

/** A member as the log records them: the identity key pins who the user id refers to. */
export const LogMember = z.strictObject({ user: id, identityKey: b64, role: Role });
export type LogMember = z.infer<typeof LogMember>;

export const MembershipOp = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('create'),
    kind: z.enum(['direct', 'group']),
    members: z.array(LogMember).min(1).max(1000),
    epoch: z.literal(1),
  }),
  z.strictObject({ op: z.literal('add'), member: LogMember }),
  /** Removing someone starts a new epoch: the removed member gets no key for it. */
  z.strictObject({ op: z.literal('remove'), user: id, epoch: z.number().int().min(2) }),
  z.strictObject({ op: z.literal('leave'), epoch: z.number().int().min(2) }),
  z.strictObject({ op: z.literal('role'), user: id, role: Role }),
  /** Periodic or device-removal key rotation. */
  z.strictObject({ op: z.literal('rotate'), epoch: z.number().int().min(2) }),
]);
export type MembershipOp = z.infer<typeof MembershipOp>;

/** One log entry. `sig` is the author device's signature over `canonicalEntry(entry)`. */
export const MembershipEntry = z.strictObject({
  conv: id,
  /** position in the log, starting at 0 */
  index: z.number().int().min(0),
  /** hash of the previous entry (base64url), empty for index 0 */
  prev: b64,
  change: MembershipOp,
  by: z.strictObject({ user: id, device: id }),
  /** the author device's certificate (base64url), signed by the author's identity key */
  deviceCert: b64,
  at: z.number().int().nonnegative(),
  sig: b64,
});
export type MembershipEntry = z.infer<typeof MembershipEntry>;
export type UnsignedEntry = Omit<MembershipEntry, 'sig'>;

/** The exact bytes an entry's signature and the next entry's `prev` hash cover. */
export function canonicalEntry(e: UnsignedEntry): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(['mekong/v1/membership', e.conv, e.index, e.prev, sortKeys(e.change), e.by.user, e.by.device, e.deviceCert, e.at]));
}

