// Membership logs on the client: write signed entries, and verify a log from its first entry with
// real signatures and certificates. Members and roles come from the verified log alone.
import {
  applyEntry,
  canonicalEntry,
  ErrorCode,
  type LogCrypto,
  type MembershipEntry,
  type MembershipOp,
  type MembershipState,
  MekongError,
  replayLog,
} from '@mekong/schema';
import {
  asSigningPublicKey,
  certifyDevice,
  decodeDeviceCertificate,
  encodeDeviceCertificate,
  fromBase64url,
  hashMembershipEntry,
  signMembershipEntry,
  toBase64url,
  verifyDeviceCertificate,
  verifyMembershipEntry,
} from '../crypto';
import type { DeviceSecrets } from '../keys/secrets';

/** Signature and certificate checks backed by libsodium. */
export const logCrypto: LogCrypto = {
  verifyEntry(entry, identityKey) {
    let cert: ReturnType<typeof decodeDeviceCertificate>;
    try {
      cert = decodeDeviceCertificate(fromBase64url(entry.deviceCert));
      verifyDeviceCertificate(asSigningPublicKey(fromBase64url(identityKey)), cert);
    } catch {
      throw new MekongError(ErrorCode.BAD_CERTIFICATE, 'A membership change comes from a device its user never certified.', { index: entry.index });
    }
    if (cert.userId !== entry.by.user || cert.deviceId !== entry.by.device) {
      throw new MekongError(ErrorCode.BAD_CERTIFICATE, 'A membership change names a device that does not belong to its author.', { index: entry.index });
    }
    const { sig, ...unsigned } = entry;
    verifyMembershipEntry(cert.signPublicKey, canonicalEntry(unsigned), fromBase64url(sig));
  },
  hashEntry(entry) {
    const { sig, ...unsigned } = entry;
    return toBase64url(hashMembershipEntry(canonicalEntry(unsigned), fromBase64url(sig)));
  },
};

/**
 * Sign the next entry of a log as this device.
 * @example
 * const entry = signEntry(me, state, { op: 'add', member: { user: 'u2', identityKey, role: 'member' } }, Date.now());
 */
export function signEntry(me: DeviceSecrets, state: MembershipState | null, conv: string, change: MembershipOp, at: number): MembershipEntry {
  const deviceCert =
    me.certificate ??
    toBase64url(
      encodeDeviceCertificate(
        certifyDevice(me.identity, { userId: me.userId, deviceId: me.deviceId, signPublicKey: me.device.signPublicKey, boxPublicKey: me.device.boxPublicKey, issuedAt: 0 }),
      ),
    );
  const unsigned = {
    conv,
    index: state ? state.length : 0,
    prev: state ? state.head : '',
    change,
    by: { user: me.userId, device: me.deviceId },
    deviceCert,
    at,
  };
  return { ...unsigned, sig: toBase64url(signMembershipEntry(me.device.signSecretKey, canonicalEntry(unsigned))) };
}

/**
 * Verify a whole log and derive the members from it.
 * @throws MekongError FORBIDDEN (unauthorized or broken chain), BAD_SIGNATURE, BAD_CERTIFICATE.
 * @example const state = verifyLog(entries, convId); state.members.has(userId);
 */
export function verifyLog(entries: MembershipEntry[], conv: string): MembershipState {
  return replayLog(entries, logCrypto, conv);
}

/** Verify entries that extend an already verified state. */
export function extendLog(state: MembershipState, entries: MembershipEntry[], conv: string): MembershipState {
  let s = state;
  for (const e of entries) s = applyEntry(s, e, logCrypto, conv);
  return s;
}
